import CamsiftCore
import Foundation
import NN
import Serving

/// Trains a bundle's companion member (`CompanionSpec`): level-1 transfer on the frozen ImageNet
/// EfficientNet-Lite0 (cached 1280-d features, a dense head) with M1's configuration — the class-balanced draws
/// of the two-model samplers — on the archive and split the from-scratch pair trained on.
///
/// Measured before it was built (docs/learning.md, point 16; stored t10k scores of the plain 3-seed long-tail
/// runs): alone it is weaker than the small CNN's M1 (balanced macro F1 0.879 vs 0.900 on the default profile,
/// 0.865 vs 0.880 reversed), but pooled into M1's evidence at w_E = 0.4 it lifted the bundle on every seed of both
/// profiles (+0.006…0.012), where augmentation, mixup, logit adjustment, longer training and test-time flips had
/// stayed within seed noise.
struct CompanionTraining {
    var archive: LabeledArchive
    var split: DatasetSplit
    var options: TrainingSession.Options
    var networks: NetworkFactory
    var progress: (@Sendable (String, IterationRecord, Int) -> Void)?
    var log: @Sendable (String) -> Void

    struct Trained {
        var network: any TrainableNetwork
        var result: Trainer.Result
        /// Probabilities for the reference and test splits (same order as the session's).
        var reference: [[Float]]
        var test: [[Float]]
        var geometry: InputGeometry
    }

    func run() throws -> Trained {
        var e = options
        e.architecture = .effnetLite0
        e.fineTuneBlocks = 0
        e.reuseM0 = nil
        e.featureDraws = options.companionFeatureDraws
        // The backbone's own side (224), whatever the archive's image size: at 128² on 28-pixel images (a third of
        // the cost) the built pool lost 0.004 balanced macro F1 on the long-tail benchmark (docs/learning.md, 16).
        e.inputSize = 0
        let k = archive.classes.count
        let backbone = try ModelFile.read(path: try networks.backbonePath(e))
        let spec = try networks.inputSpec(e, archive: archive)
        let geometry = spec.geometry(mean: backbone.normalization.mean, std: backbone.normalization.std)
        log("companion \(CompanionSpec.role): EfficientNet-Lite0 level 1 (frozen ImageNet features, input \(geometry)) with M1's draws")
        let data = try networks.prepare(archive, split: split, spec: spec, options: e, log: log)
        var c = e.configuration
        c.augmentation = .none  // baked into the cached feature draws
        c.rareAugmentation = nil
        if let m1 = c.m1Mixup { c.mixup = m1 > 0 ? m1 : nil }
        let role = CompanionSpec.role
        let net = try networks.make(spec, classCount: k, seed: c.seed &+ 2, options: e)
        if c.m1Start == .m0 {
            // As M1 does (Algorithm 1's M¹₀ ← M0): the head first learns the natural mix, then the balanced draws.
            // On cached features this costs seconds.
            var c0 = c
            c0.sampler = .plain
            c0.keep = .last
            let trainer0 = Trainer(configuration: c0, normalization: data.normalization)
            trainer0.progress = { rec, total in progress?(role + "0", rec, total) }
            _ = try trainer0.train(net, train: data.train, reference: data.reference, classCount: k)
        }
        let trainer = Trainer(configuration: c, normalization: data.normalization)
        trainer.progress = { rec, total in progress?(role, rec, total) }
        let result = try trainer.train(net, train: data.train, reference: data.reference, classCount: k)
        let ref = data.normalization.apply(data.reference.pixels, channels: data.reference.channels, perImage: data.reference.perImage)
        let test = data.normalization.apply(data.test.pixels, channels: data.test.channels, perImage: data.test.perImage)
        return Trained(network: net, result: result,
                       reference: try net.scores(inputs: ref, count: data.reference.count),
                       test: data.test.count > 0 ? try net.scores(inputs: test, count: data.test.count) : [],
                       geometry: geometry)
    }
}
