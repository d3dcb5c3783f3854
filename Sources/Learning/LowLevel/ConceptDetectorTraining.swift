import CamsiftCore
import Foundation
import NN
import Serving

/// `camsift train --arch lowlevel --concept NAME` (issue 20): one binary concept detector as Yan, Chen, Shyu, Chen
/// ("Deep Learning for Imbalanced Multimedia Data Classification") build it — positives `ARCHIVE/NAME/`, negatives
/// every other class; low-level features of each image through the daemon's decode path (`LowLevelData`); PCA to
/// 324 fitted on the training split; the Table III network (`NN.LowLevelCNN`) trained on Table I's bootstrapped
/// batches (`BootstrappedBatches`: negatives partitioned once, s_p positives drawn with replacement per batch,
/// s = 2m, r = 1); recall, precision, F1 and average precision on the test split.
///
/// Writes a bundle the daemon and `camsift eval` serve (`BundleClassifier`, architecture `lowlevel-cnn`): classes
/// `not-NAME`, `NAME`; the decision is the argmax of the two outputs. Deviation, stated: when the training split
/// has fewer negatives than positives, s = 2·min(m, n) so one batch of negatives exists (the paper assumes a rare
/// concept, n ≫ m).
public enum ConceptDetectorTraining {
    public struct Options: Sendable {
        public var archive: String
        public var out: String
        public var concept: String
        public var side = LowLevelClassifier.defaultSide
        /// Table I's I: passes over the N negative batches.
        public var iterations = 100
        public var seed: UInt64 = 1
        public var learningRate: Float = 1e-3
        public var split = SplitShares.default
        public var command = ""

        public init(archive: String, out: String, concept: String) {
            self.archive = archive
            self.out = out
            self.concept = concept
        }
    }

    public struct Report: Sendable {
        public var concept: String
        /// Positives and negatives per split: train, reference, test.
        public var counts: [String: [Int]]
        public var batches: Int
        public var batchSize: Int
        /// Test-split figures (nil without test positives).
        public var recall: Double?
        public var precision: Double?
        public var f1: Double?
        public var averagePrecision: Double?
        public var temperature: Double
        public var model: String
    }

    public static func run(_ o: Options, log: (String) -> Void = { _ in }) throws -> Report {
        let archive = try LabeledArchive.scan(o.archive)
        guard let c = archive.classes.firstIndex(of: o.concept) else {
            throw LearningError(.badArgument, "--concept '\(o.concept)': the archive \(o.archive) has no folder of that name "
                + "(classes: \(archive.classes.joined(separator: ", ")))")
        }
        guard archive.classes.count >= 2 else {
            throw LearningError(.badArchive, "--concept \(o.concept): negatives are the other classes, and \(o.archive) has none")
        }
        let labels = archive.items.map { $0.label == c ? 1 : 0 }
        let split = try DatasetSplit.make(labels: labels, classCount: 2, seed: o.seed, shares: o.split)
        let geometry = InputGeometry(size: o.side, channels: 3, fit: .crop)
        func load(_ idx: [Int]) throws -> [[Float]] {
            try LowLevelData.features(paths: idx.map { archive.items[$0].path }, geometry: geometry, side: o.side).raw
        }
        log("lowlevel \(o.concept): features of \(archive.items.count) images at \(o.side)×\(o.side)")
        let trainRaw = try load(split.train), refRaw = try load(split.reference), testRaw = try load(split.test)
        let (pca, scale) = try LowLevelData.pca(trainRaw)
        let project = { (raw: [[Float]]) in raw.map { LowLevelClassifier.input(raw: $0, pca: pca, scale: scale) } }
        let train = project(trainRaw), ref = project(refRaw), test = project(testRaw)
        let yTrain = split.train.map { labels[$0] }, yRef = split.reference.map { labels[$0] }
        let yTest = split.test.map { labels[$0] }

        // Table I: fixed negative partition, positives drawn with replacement, s = 2m (r = 1).
        let pos = yTrain.indices.filter { yTrain[$0] == 1 }, neg = yTrain.indices.filter { yTrain[$0] == 0 }
        guard !pos.isEmpty, !neg.isEmpty else {
            throw LearningError(.badArchive, "--concept \(o.concept): the training split has \(pos.count) positives and "
                + "\(neg.count) negatives; both must be > 0 (add images, or lower the test/reference shares with --split)")
        }
        var rng = SeededGenerator(seed: o.seed, stream: "lowlevel-table-i")
        let size = BootstrappedBatches.paperBatchSize(positives: min(pos.count, neg.count))
        let table = try BootstrappedBatches(positives: pos, negatives: neg, batchSize: max(2, size), ratio: 1, rng: &rng)
        log("lowlevel \(o.concept): Table I batches: m = \(pos.count), n = \(neg.count), s = \(table.batchSize) "
            + "(s_p = \(table.positivesPerBatch), s_n = \(table.negativesPerBatch)), N = \(table.batchCount), I = \(o.iterations)")
        let model = try LowLevelCNN.make(seed: o.seed)
        let batches = (0..<o.iterations).flatMap { _ in table.iteration(rng: &rng) }
        try LowLevelData.train(model, inputs: train, labels: yTrain, batches: batches, learningRate: o.learningRate)

        let classes = ["not-" + o.concept, o.concept]
        var classifier = try LowLevelClassifier(classes: classes, side: o.side, pca: pca, scale: scale, network: model)
        let refP = try classifier.probabilities(inputs: ref)
        let t = refP.isEmpty ? 1 : TemperatureScaling.fit(probabilities: refP, labels: yRef).temperature
        classifier = try LowLevelClassifier(classes: classes, side: o.side, pca: pca, scale: scale, network: model,
                                            temperature: t)
        let testP = try classifier.probabilities(inputs: test)
        let predicted = testP.map(Fusion.argmax)
        var report = Report(concept: o.concept, counts: [:], batches: table.batchCount, batchSize: table.batchSize,
                            temperature: t, model: "")
        for (name, y) in [("train", yTrain), ("reference", yRef), ("test", yTest)] {
            report.counts[name] = [y.filter { $0 == 1 }.count, y.filter { $0 == 0 }.count]
        }
        if yTest.contains(1) {
            let tp = zip(predicted, yTest).filter { $0 == 1 && $1 == 1 }.count
            let fp = zip(predicted, yTest).filter { $0 == 1 && $1 == 0 }.count
            let recall = Double(tp) / Double(yTest.filter { $0 == 1 }.count)
            let precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
            report.recall = recall
            report.precision = precision
            report.f1 = recall + precision > 0 ? 2 * recall * precision / (recall + precision) : 0
            report.averagePrecision = AveragePrecision.of(scores: testP.map { $0[1] }, positive: yTest.map { $0 == 1 })
        }

        try FileManager.default.createDirectory(atPath: o.out, withIntermediateDirectories: true)
        let manifest = SplitManifest(archive: archive, split: split, shares: o.split, seed: o.seed, splitBy: .image)
        try manifest.write(to: o.out)
        report.model = try LowLevelData.writeModel(classifier, dir: o.out, prefix: "M0", metadata: [
            "role": "M0", "concept": o.concept, "archive": archive.root, "seed": String(o.seed), "sampler": "table-i"])
        var cfg = TrainingConfiguration.published(.bootstrap)
        cfg.iterations = o.iterations
        cfg.seed = o.seed
        cfg.learningRate = o.learningRate
        cfg.batchSize = table.batchSize
        var bundle = ModelBundle(
            classes: classes, models: ["M0": report.model], primary: "M0", fusion: nil,
            architecture: LowLevelClassifier.architectureName, inputShape: [3, o.side, o.side],
            normalization: Normalization(mean: [0, 0, 0], std: [1, 1, 1]),
            trainCounts: [report.counts["train"]![1], report.counts["train"]![0]],
            archiveCounts: [labels.filter { $0 == 0 }.count, labels.filter { $0 == 1 }.count],
            ratios: [1, Double(pos.count) / Double(neg.count)], sampler: .bootstrap, configuration: cfg,
            testMetrics: yTest.isEmpty ? [:] : ["M0": ClassificationMetrics(truth: yTest, predicted: predicted, classCount: 2)],
            provenance: ["archive": archive.root, "images": String(archive.items.count), "seed": String(o.seed),
                         "command": o.command, "created": ISO8601DateFormatter().string(from: Date()),
                         "concept": o.concept, "sampler": "table-i (Yan et al. Table I: s = 2m, r = 1, I = \(o.iterations))"])
        bundle.inputGeometry = geometry
        bundle.temperature = t
        try bundle.write(to: o.out)
        return report
    }
}
