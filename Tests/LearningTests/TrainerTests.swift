import Foundation
import Testing
import Media
@testable import Learning
import Serving

/// Trains on a generated archive of real JPEGs (Fashion-MNIST t10k images from Debian's
/// dataset-fashion-mnist written through TurboJPEG) and checks the result beats chance clearly.
@Suite(.serialized) struct TrainerTests {
    static let root = "/usr/share/datasets/fashion-mnist"

    /// 10 classes, a long tail of 80 … 16 images each, as JPEG files in ImageFolder layout.
    static func makeArchive() throws -> (dir: String, archive: LabeledArchive) {
        let images = try IDXFile.read(root + "/t10k-images-idx3-ubyte.gz")
        let labels = try IDXFile.read(root + "/t10k-labels-idx1-ubyte.gz")
        let profile = LongTailProfile(imbalance: 5, maxPerClass: 80)
        let pick = profile.select(labels: labels.data.map(Int.init), classCount: 10, seed: 11)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("camsift-train-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.removeItem(atPath: dir)
        // The caller removes `dir` once it has it; on a throw here it never does.
        do {
            try LongTailProfile.writeArchive(dir, images: images, labels: labels, indices: pick,
                                             classNames: LongTailProfile.fashionMNISTClasses)
            return (dir, try LabeledArchive.scan(dir))
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    @Test func longTailCountsMatchTheFormula() {
        let n = LongTailProfile(imbalance: 100, maxPerClass: 6000).counts(classCount: 10)
        #expect(n == [6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60])
        #expect(n.reduce(0, +) == 14886)
        #expect(LongTailProfile(imbalance: 10, maxPerClass: 100, shape: .step).counts(classCount: 4) == [100, 100, 10, 10])
    }

    func run(_ archive: LabeledArchive, sampler: SamplerKind, seed: UInt64) throws -> (ClassificationMetrics, Trainer.Result) {
        let split = try DatasetSplit.make(labels: archive.items.map(\.label), classCount: archive.classes.count, seed: seed)
        let train = try ImageSet.load(archive, indices: split.train, channels: 1, height: 28, width: 28)
        let ref = try ImageSet.load(archive, indices: split.reference, channels: 1, height: 28, width: 28)
        let test = try ImageSet.load(archive, indices: split.test, channels: 1, height: 28, width: 28)
        var cfg = TrainingConfiguration()
        cfg.sampler = sampler
        cfg.iterations = 6
        cfg.batchSize = 16
        cfg.learningRate = 0.01
        cfg.seed = seed
        cfg.augmentation = Augmentation(shear: 0.1, horizontalFlip: true, rotationDegrees: 5, widthShift: 0.05,
                                        heightShift: 0.05, brightness: 0.1)
        let norm = Normalization.measure(train)
        let net = LinearSoftmaxNetwork(inputShape: (1, 28, 28), classCount: 10, seed: seed)
        let result = try Trainer(configuration: cfg, normalization: norm).train(net, train: train, reference: ref, classCount: 10)
        let m = try Trainer.evaluate(net, inputs: norm.apply(test.pixels, channels: 1, perImage: 784),
                                     truth: test.labels, classCount: 10)
        return (m, result)
    }

    @Test func trainsOnJPEGArchiveBeyondChanceAndDeterministically() throws {
        let (dir, archive) = try Self.makeArchive()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(archive.classes == LongTailProfile.fashionMNISTClasses)
        #expect(archive.classCounts.first == 80 && archive.classCounts.last == 16)
        let (m, r) = try run(archive, sampler: .dynamic, seed: 5)
        // Chance is 0.1 accuracy on 10 classes; a linear model on Fashion-MNIST gets ≈ 0.6+ even on this few.
        #expect(m.accuracy > 0.4)
        #expect(m.macroF1 > 0.3)
        #expect(r.history.count >= 1 && r.history.allSatisfy { $0.counts.reduce(0, +) == r.history[0].counts.reduce(0, +) })
        // Same seed, same numbers.
        let (m2, r2) = try run(archive, sampler: .dynamic, seed: 5)
        #expect(m2 == m)
        #expect(r2.history.map(\.referenceMacroF1) == r.history.map(\.referenceMacroF1))
    }
}
