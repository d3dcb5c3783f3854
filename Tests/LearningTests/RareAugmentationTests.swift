import Testing
import Media
@testable import Learning
import Serving

/// The default's milder augmentation of heavily repeated classes (`TrainingConfiguration.rareAugmentation`):
/// which draws get it, and how the CLI derives it.
struct RareAugmentationTests {
    /// Records every training batch; predicts uniformly.
    final class RecordingNetwork: TrainableNetwork {
        let inputShape = (channels: 1, height: 4, width: 4)
        let classCount = 2
        let architecture = "recording"
        var batches: [(inputs: [Float], labels: [Int])] = []
        func trainStep(inputs: [Float], labels: [Int], sampleWeights: [Float]?, learningRate: Float) throws -> Float {
            batches.append((inputs, labels))
            return 0
        }
        func probabilities(inputs: [Float], count: Int) throws -> [Float] { [Float](repeating: 0.5, count: count * 2) }
        func snapshot() -> [[Float]] { [] }
        func restore(_ snapshot: [[Float]]) {}
        func save(to path: String, classes: [String], metadata: [String: String]) throws {}
    }

    /// Class 0: 40 images, class 1: 4 images. Balanced draws repeat class 1 ~5× per pass (≥ 4×: "rare" here),
    /// class 0 ~0.55× (sampled down). With no augmentation for common draws and a brightness-only one for
    /// rare draws, every class-0 input is one of the originals and no class-1 input is.
    @Test func onlyHeavilyRepeatedClassesGetTheRareAugmentation() throws {
        var pixels: [Float] = [], labels: [Int] = []
        for i in 0..<44 {
            labels.append(i < 40 ? 0 : 1)
            pixels += (0..<16).map { Float((i * 16 + $0) % 97) / 97 + 0.1 }
        }
        let train = ImageSet(channels: 1, height: 4, width: 4, pixels: pixels, labels: labels)
        var cfg = TrainingConfiguration()
        cfg.sampler = .balanced
        cfg.iterations = 2
        cfg.batchSize = 8
        cfg.augmentation = .none
        cfg.rareRepeat = 4
        cfg.rareAugmentation = Augmentation(shear: 0, horizontalFlip: false, rotationDegrees: 0, widthShift: 0,
                                            heightShift: 0, brightness: 0.5)
        let net = RecordingNetwork()
        let norm = Normalization(mean: [0], std: [1])
        _ = try Trainer(configuration: cfg, normalization: norm).train(net, train: train, reference: train, classCount: 2)
        let originals = Set((0..<44).map { Array(pixels[($0 * 16)..<(($0 + 1) * 16)]) })
        var seen = [0, 0]
        for b in net.batches {
            for (k, label) in b.labels.enumerated() {
                let image = Array(b.inputs[(k * 16)..<((k + 1) * 16)])
                seen[label] += 1
                #expect(originals.contains(image) == (label == 0), "class \(label) draw")
            }
        }
        #expect(seen[0] > 0 && seen[1] > 0)
        // Without a rare augmentation every draw is an original.
        cfg.rareAugmentation = nil
        let plain = RecordingNetwork()
        _ = try Trainer(configuration: cfg, normalization: norm).train(plain, train: train, reference: train, classCount: 2)
        #expect(plain.batches.allSatisfy { b in (0..<b.labels.count).allSatisfy { originals.contains(Array(b.inputs[($0 * 16)..<(($0 + 1) * 16)])) } })
    }

    /// Since issue 16's pad-and-crop default nothing is softened for the tail: every configuration, the default
    /// included, gives every draw the same augmentation (the option stays for `--rare-augment`).
    @Test func noConfigurationSoftensTheTailByDefault() {
        #expect(TrainingConfiguration.recommended.rareAugmentation == nil)
        #expect(TrainingConfiguration.recommended.augmentation == .standard)
        for kind in SamplerKind.allCases {
            #expect(TrainingConfiguration.published(kind).rareAugmentation == nil, "\(kind)")
        }
    }
}
