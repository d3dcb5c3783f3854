import CamsiftCore
import Foundation
import Testing
import NN
@testable import Learning
import Serving

/// Level-2 transfer learning (`--fine-tune-blocks`) on the real imported EfficientNet-Lite0 (CAMSIFT_EFFNET, set
/// by `make test`): the head trains alone first, then the top blocks at a lower rate with BatchNorm frozen; the
/// saved file is a complete effnet-lite0 model whose lower blocks are the backbone's, byte for byte, and which
/// `camsift eval` (the folded inference engine) scores exactly as training did.
@Suite(.serialized) struct FineTuneTests {
    static var backbone: String {
        if let p = ProcessInfo.processInfo.environment["CAMSIFT_EFFNET"], !p.isEmpty { return p }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("weights/effnet-lite0-imagenet.csm").path
    }

    static func requireBackbone() throws -> String {
        guard FileManager.default.fileExists(atPath: backbone) else {
            throw LearningError(.badArgument, "EfficientNet-Lite0 model file missing at \(backbone): run `make weights` "
                + "(or `make test`) or set CAMSIFT_EFFNET")
        }
        return backbone
    }

    /// Three Fashion-MNIST classes (trouser, sneaker, bag), 24 images each, as JPEGs.
    static func makeArchive(_ dir: String) throws {
        try? FileManager.default.removeItem(atPath: dir)
        try LongTailProfile.writeFashionMNISTSubset(dir, counts: [1: 24, 7: 24, 8: 24], seed: 11, dataset: TrainerTests.root)
    }

    @Test func headFirstThenTopBlocksWithBatchNormFrozen() throws {
        LearningThreads.set(1)
        let net = try EngineNetwork.effnetTop(modelFile: try Self.requireBackbone(), topBlocks: 1, classCount: 3, seed: 5,
                                              levelOneFraction: 0.5, learningRateScale: 0.1)
        #expect(net.inputShape == (192, 7, 7) as (Int, Int, Int))
        func values(_ prefix: String) -> [Float] {
            net.model.namedParameters().filter { $0.0.hasPrefix(prefix) }.flatMap { $0.1.array }
        }
        var rng = SeededGenerator(seed: 9)
        let inputs = (0..<(8 * 192 * 49)).map { _ in Float.random(in: 0...4, using: &rng) }
        let labels = [0, 1, 2, 0, 1, 2, 0, 1]

        // Level 1: only the classifier moves.
        net.beginIteration(0, of: 4)
        #expect(!net.inLevelTwo)
        let blocks0 = values("blocks."), head0 = values("head."), cls0 = values("classifier.")
        _ = try net.trainStep(inputs: inputs, labels: labels, sampleWeights: nil, learningRate: 0.01)
        #expect(values("blocks.") == blocks0 && values("head.") == head0)
        #expect(values("classifier.") != cls0)

        // Level 2 (iteration 2 of 4 = half-way): convolutions of block 15 and the head move, BatchNorm does not.
        net.beginIteration(2, of: 4)
        #expect(net.inLevelTwo && net.learningRateScale == 0.1)
        let bn = values("blocks.15.dw.bn.") + values("head.bn.")
        let dw = values("blocks.15.dw.conv."), headConv = values("head.conv.")
        _ = try net.trainStep(inputs: inputs, labels: labels, sampleWeights: nil, learningRate: 0.01)
        #expect(values("blocks.15.dw.conv.") != dw && values("head.conv.") != headConv)
        #expect(values("blocks.15.dw.bn.") + values("head.bn.") == bn)
    }

    /// Unset `--fine-tune-blocks`: level 2 on 2 blocks while the trunk cache fits the limit, level 1 beyond it.
    @Test func automaticLevelFallsBackToLevelOneWhenTheCacheWouldNotFit() throws {
        var o = TrainingSession.Options(archive: "", out: "")
        o.architecture = .effnetLite0
        o.backbone = try Self.requireBackbone()
        #expect(try NetworkFactory().automaticTopBlocks(o, images: 1000, log: { _ in }) == 2)
        o.levelTwoCacheLimit = 1000 * 192 * 7 * 7 * 4 - 1  // one byte short for 1,000 images of 192×7×7 floats
        var logged = ""
        #expect(try NetworkFactory().automaticTopBlocks(o, images: 1000, log: { logged = $0 }) == 0)
        #expect(logged.contains("level 1 only"), "\(logged)")
    }

    @Test func levelTwoBundleKeepsTheTrunkAndEvaluatesAsTrained() throws {
        LearningThreads.set(1)
        let path = try Self.requireBackbone()
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-finetune-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try Self.makeArchive(tmp + "/archive")
        var o = TrainingSession.Options(archive: tmp + "/archive", out: tmp + "/model")
        o.architecture = .effnetLite0
        o.backbone = path
        o.fineTuneBlocks = 1
        o.featureDraws = 1
        var c = TrainingConfiguration.published(.plain)
        c.iterations = 4
        c.batchSize = 16
        c.learningRate = 0.01
        c.seed = 3
        o.configuration = c
        let (bundle, report) = try TrainingSession(options: o, networks: NetworkFactory()).run()
        let m0 = try #require(report.models.first { $0.name == "M0" }?.natural)
        #expect(m0.accuracy > 0.6, "3 classes: chance is 0.33, got \(m0.accuracy)")

        // The saved file: backbone tensors below block 15 unchanged, block 15 / head convolutions fine-tuned,
        // their BatchNorm unchanged, a 3-class classifier.
        let saved = try ModelFile.read(path: tmp + "/model/" + (try #require(bundle.models["M0"])))
        let original = try ModelFile.read(path: path)
        let before = Dictionary(uniqueKeysWithValues: original.tensors.map { ($0.name, $0) })
        #expect(saved.classes == ["1-trouser", "7-sneaker", "8-bag"])
        #expect(try saved.tensor("classifier.weight").shape == [3, 1280])
        for t in saved.tensors where !t.name.hasPrefix("classifier.") {
            let fineTuned = (t.name.hasPrefix("blocks.15.") || t.name.hasPrefix("head.")) && t.name.contains(".conv.")
            #expect((t.values != before[t.name]?.values) == fineTuned, "\(t.name)")
        }

        // Reusing a level-2 model (`--reuse-m0`) needs its trunk to be the backbone's below the top K blocks (its
        // top blocks are fed trunk outputs cached from the backbone). This M0 (K = 1) reused with K = 1: accepted.
        // A copy whose block 14 also changed (as if trained with K = 2): refused with K = 1, accepted with K = 2.
        let m0File = tmp + "/model/" + (try #require(bundle.models["M0"]))
        var reuse = o
        reuse.fineTuneBlocks = 1
        #expect(try NetworkFactory().load(m0File, options: reuse).inputShape == (192, 7, 7) as (Int, Int, Int))
        var tensors = saved.tensors
        let i = try #require(tensors.firstIndex { $0.name.hasPrefix("blocks.14.") && $0.name.hasSuffix("conv.weight") })
        tensors[i].values[0] += 1
        try ModelFile(architectureJSON: saved.architectureJSON, classes: saved.classes, normalization: saved.normalization,
                      inputSize: saved.inputSize, metadata: saved.metadata, tensors: tensors).write(path: tmp + "/k2.csm")
        #expect(throws: LearningError.self) { try NetworkFactory().load(tmp + "/k2.csm", options: reuse) }
        reuse.fineTuneBlocks = 2
        #expect(try NetworkFactory().load(tmp + "/k2.csm", options: reuse).inputShape == (192, 7, 7) as (Int, Int, Int))

        // `camsift eval` runs the saved file through the BN-folded inference engine: same test accuracy.
        var e = EvaluationSession.Options(archive: tmp + "/archive", model: tmp + "/model")
        e.split = "test"
        e.seed = 3
        let r = try EvaluationSession(options: e).run()
        #expect(r.images == report.counts["test"]?.reduce(0, +))
        let evaluated = try #require(r.plain["M0"]).accuracy
        #expect(abs(evaluated - m0.accuracy) < 1e-9, "eval \(evaluated) vs training \(m0.accuracy)")
    }
}
