import Foundation
import Media
import NN

/// Level-1 transfer learning's input: EfficientNet-Lite0's 1280-d pooled features, computed once per image
/// (and per augmentation draw for training images) by the frozen backbone, so the head's iterations cost a
/// Dense layer instead of a full network pass. "Where it pays": the backbone pass dominates, so a few
/// cached draws per image replace per-iteration augmentation (the head picks one draw at random each time).
struct FeatureCache {
    let net: EfficientNetLite0
    let batch = 16

    init(path: String) throws {
        do {
            let threads = LearningThreads.count > 0 ? LearningThreads.count : NNThreads.count
            net = try EfficientNetLite0(modelFile: try ModelFile.read(path: path), threads: threads)
        } catch {
            throw LearningError(.badArgument, "cannot load the EfficientNet-Lite0 backbone '\(path)': \(error)")
        }
    }

    /// Features for `indices`; with `draws` > 1, draw 0 is the clean image and draws 1… are augmented
    /// (seeded), stored as consecutive variants of each image.
    func features(_ archive: LabeledArchive, indices: [Int], draws: Int = 1, augmentation: Augmentation = .none,
                  seed: UInt64 = 0) throws -> ImageSet {
        let side = net.inputSize
        let mean = net.normalization.mean, std = net.normalization.std
        var rng = TrainingRNG(seed: seed, stream: "feature-draws")
        var out = ImageSet(channels: net.featureCount, height: 1, width: 1)
        out.variants = max(1, draws)
        out.pixels.reserveCapacity(indices.count * out.variants * net.featureCount)
        var pending: [Float] = []
        var pendingCount = 0
        func flush() {
            guard pendingCount > 0 else { return }
            let f = pending.withUnsafeBufferPointer { net.features(batch: $0, n: pendingCount) }
            out.pixels += f
            pending.removeAll(keepingCapacity: true)
            pendingCount = 0
        }
        for i in indices {
            let item = archive.items[i]
            let img: FloatImage
            do {
                img = try TrainingImageCodec.decode(bytes: try ImageSet.readFile(item.path), channels: 3, height: side,
                                                    width: side, name: item.path)
            } catch { throw LearningError(.badImage, "\(error)") }
            out.labels.append(item.label)
            for d in 0..<out.variants {
                let v = d == 0 || augmentation.isIdentity ? img : Augmentation.apply(augmentation.draw { rng.unit() }, to: img)
                let plane = side * side
                for c in 0..<3 {
                    for k in 0..<plane { pending.append((v.pixels[c * plane + k] - mean[c]) / std[c]) }
                }
                pendingCount += 1
                if pendingCount == batch { flush() }
            }
        }
        flush()
        return out
    }
}
