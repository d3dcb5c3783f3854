import CamsiftCore
import Foundation
import Media
import NN
import Serving

/// `camsift train --clips`: a window model from labelled clips, as Pouyanfar, Chen & Shyu train theirs —
/// per-frame features of a pretrained CNN (ours: the ImageNet EfficientNet-Lite0 the daemon serves, pooled
/// 1280-d, each frame framed exactly as the daemon frames camera frames), Algorithm 1 on the training clips
/// (`TemporalOversampler`: freq_j copies per clip, RandDown/UpSample to α, RandAug per copy), and the residual
/// BiLSTM network (`WindowNetwork`) trained with Adam + L2 (`WindowTrainer`).
///
/// RandAug on a copy is one draw of rotation, translation, shear and brightness (`Augmentation`, no flip) applied
/// to every frame of that copy before its features are computed — a copy is the same clip seen by a slightly
/// moved camera, so the transform stays fixed over its frames. Test clips are resampled evenly to α, unaugmented.
///
/// The report holds the paper's metrics (accuracy, macro F1, weighted F1) on the held-out clips for each model
/// variant trained: the plain LSTM without oversampling (the paper's baseline row) and the saved model, the
/// ResBiLSTM with oversampling (± class weighting).
public enum ClipTraining {
    public struct Options: Sendable {
        public var archive: String
        /// Clips are time ranges of the frame archive `archive` listed in this CSV (`ClipArchive(frameArchive:windows:)`)
        /// instead of clip folders.
        public var windowsCSV: String? = nil
        /// Model file to write (`MODELS/window.csm` for the daemon to pick up).
        public var out: String
        /// The EfficientNet-Lite0 whose features the model reads (the daemon's ImageNet model).
        public var backbone: String
        public var window = 40
        public var training = WindowTrainingConfiguration(epochs: 40, batchSize: 16)
        public var projection = 128
        public var dense = 256
        public var seed: UInt64 = 1
        public var threads = 1
        /// Share of each label's clips held out for the report (at least one clip when a label has two).
        public var testFraction = 0.25
        /// RandAug ranges per copy (see the type's doc): the method's rotation/shear/brightness at half range,
        /// shifts of up to 10 %.
        public var augmentation = Augmentation(shear: 0.1, horizontalFlip: false, rotationDegrees: 5, widthShift: 0.1,
                                               heightShift: 0.1, brightness: 0.2)
        /// Also train and report the plain-LSTM baseline.
        public var baseline = true

        public init(archive: String, out: String, backbone: String) {
            self.archive = archive
            self.out = out
            self.backbone = backbone
        }
    }

    public struct Variant: Sendable {
        public var name: String
        public var metrics: ClassificationMetrics
        public var seconds: Double
    }

    public struct Report: Sendable {
        public var classNames: [String]
        public var trainClips: [Int]
        public var testClips: [Int]
        public var trainWindows: Int
        public var variants: [Variant]
        public var featureSeconds: Double
        public var modelPath: String
        /// True when no label had two clips: the metrics are then on the training clips.
        public var metricsOnTrain: Bool
    }

    public static func run(_ o: Options, log: @escaping (String) -> Void = { _ in }) throws -> Report {
        let archive = try o.windowsCSV.map { try ClipArchive(frameArchive: o.archive, windows: $0) } ?? ClipArchive(root: o.archive)
        for s in archive.skipped { log("skipped \(s): no JPEG frames") }
        let net: ImageNetClassifier
        let digest: String
        do {
            let file = try ModelFile.read(path: o.backbone)
            net = try ImageNetClassifier(path: o.backbone, threads: o.threads)
            digest = BackboneDigest.of(file)
        } catch {
            throw LearningError(.badArgument, "cannot load the backbone '\(o.backbone)': \(error); pass --backbone "
                + "weights/effnet-lite0-imagenet.csm (make weights)")
        }
        let extractor = try ClipFeatures(classifier: net)
        let split = archive.split(testFraction: o.testFraction, seed: o.seed)
        let metricsOnTrain = split.test.isEmpty
        let testIDs = metricsOnTrain ? split.train : split.test
        log("\(archive.clips.count) clips of \(archive.classNames.count) labels (\(archive.classNames.joined(separator: ", "))); "
            + "\(split.train.count) train, \(split.test.count) test")
        let t0 = Timestamp.now()
        let sampler = try TemporalOversampler(alpha: o.window)
        // Clean features of every frame (baseline training, test windows).
        var clean: [Int: [Float]] = [:]
        for id in Set(split.train + testIDs) { clean[id] = try extractor.features(archive.clips[id].frames, draw: nil) }
        let f = net.featureCount
        func set(_ ids: [Int], _ seqs: [[Float]]) throws -> SequenceSet {
            try SequenceSet(featureCount: f, sequences: seqs, labels: ids.map { archive.clips[$0].label },
                            classNames: archive.classNames)
        }
        let test = try sampler.resampleEvenly(try set(testIDs, testIDs.map { clean[$0]! }))
        // Algorithm 1 on the training clips: each copy its own frames and its own RandAug draw.
        var rng = SeededGenerator(seed: o.seed, stream: "clip-copies")
        let lengths = split.train.map { archive.clips[$0].frames.count }
        let labels = split.train.map { archive.clips[$0].label }
        let copies = sampler.plan(lengths: lengths, labels: labels, classCount: archive.classNames.count, rng: &rng)
        var seqs: [[Float]] = [], copyLabels: [Int] = []
        for c in copies {
            let clip = archive.clips[split.train[c.source]]
            let draw = o.augmentation.draw(width: net.geometry.size, height: net.geometry.size) { rng.unit() }
            let unique = Array(Set(c.frames)).sorted()
            let feats = try extractor.features(unique.map { clip.frames[$0] }, draw: draw)
            let row = Dictionary(uniqueKeysWithValues: unique.enumerated().map { ($0.element, $0.offset) })
            var seq = [Float](repeating: 0, count: o.window * f)
            for (k, t) in c.frames.enumerated() {
                let r = row[t]!
                seq.replaceSubrange((k * f)..<((k + 1) * f), with: feats[(r * f)..<((r + 1) * f)])
            }
            seqs.append(seq)
            copyLabels.append(clip.label)
        }
        let oversampled = try SequenceSet(featureCount: f, sequences: seqs, labels: copyLabels, classNames: archive.classNames)
        let featureSeconds = Timestamp.now() - t0
        log("features: \(copies.count) oversampled windows of \(o.window) frames (freq_j "
            + "\(TemporalOversampler.frequencies(classCounts: ClassStatistics(labels: labels, classCount: archive.classNames.count).counts))), "
            + String(format: "%.1f s", featureSeconds))

        var variants: [Variant] = []
        if o.baseline {
            let plain = try sampler.oversample(try set(split.train, split.train.map { clean[$0]! }), augmentation: nil,
                                               copiesPerVideo: 1, seed: o.seed).set
            let config = WindowNetwork.Config(kind: .plainLSTM, features: f, classes: archive.classNames.count,
                                              projection: o.projection, window: o.window)
            let (_, v) = try train("LSTM", config, on: plain, test: test, o, log)
            variants.append(v)
        }
        let config = WindowNetwork.Config(kind: .resBiLSTM, features: f, classes: archive.classNames.count,
                                          projection: o.projection, dense: o.dense, window: o.window)
        let name = "ResBiLSTM + oversampling" + (o.training.classWeighting ? " + class weighting" : "")
        let (model, v) = try train(name, config, on: oversampled, test: test, o, log)
        variants.append(v)
        let file = try ModelFile(windowNetwork: model, config: config, classes: archive.classNames, metadata: [
            "backbone": digest, "archive": o.archive, "clips": "\(archive.clips.count)",
            "macroF1": String(format: "%.4f", v.metrics.macroF1),
        ])
        try file.write(path: o.out)
        return Report(classNames: archive.classNames, trainClips: split.train, testClips: testIDs,
                      trainWindows: oversampled.count, variants: variants, featureSeconds: featureSeconds,
                      modelPath: o.out, metricsOnTrain: metricsOnTrain)
    }

    static func train(_ name: String, _ config: WindowNetwork.Config, on train: SequenceSet, test: SequenceSet,
                      _ o: Options, _ log: @escaping (String) -> Void) throws -> (Sequential, Variant) {
        let t0 = Timestamp.now()
        let model = try WindowNetwork.make(config, seed: o.seed)
        let trainer = try WindowTrainer(configuration: o.training)
        trainer.progress = { epoch, loss in
            if epoch == 1 || epoch % 10 == 0 || epoch == o.training.epochs {
                log("\(name): epoch \(epoch)/\(o.training.epochs) loss \(String(format: "%.4f", loss))")
            }
        }
        try trainer.train(model, on: train)
        let m = try WindowTrainer.evaluate(model, on: test)
        return (model, Variant(name: name, metrics: m, seconds: Timestamp.now() - t0))
    }
}
