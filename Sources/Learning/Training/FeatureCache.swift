import CamsiftCore
import Foundation
import Media
import NN
import Serving

/// Transfer learning's cached input: what the frozen part of EfficientNet-Lite0 makes of each image, computed
/// once per image (and per augmentation draw for training images), so training iterations cost only the part
/// that trains. "Where it pays" (issue 5): the frozen backbone pass dominates, so a few cached draws per image
/// replace per-iteration augmentation (the trainer picks one draw at random each time).
/// - level 1 (`topBlocks` 0): the 1280-d pooled features of the BN-folded inference network; a Dense head trains.
/// - level 2 (`topBlocks` k > 0): the output of the trunk (stem + all but the top k blocks) of the trainable
///   network in inference mode (BatchNorm on its ImageNet statistics), e.g. 192×7×7 for k = 1; the top blocks,
///   head conv and classifier train on it (`EngineNetwork.effnetTop`).
struct FeatureCache {
    private enum Extractor {
        case pooled(EfficientNetLite0)
        case trunk(Sequential)
    }

    private let extractor: Extractor
    let inputSide: Int
    let mean: [Float], std: [Float]
    /// How archive images are framed (the bundle records it; the daemon frames live frames the same way).
    let geometry: InputGeometry
    let batch = 16
    private let path: String

    /// `BackboneDigest` of the backbone's weights: names its features in a `FeatureStore`. Reads the file again
    /// (~50 ms) rather than keeping its ~18 MB for the whole training: only a training with a store asks.
    func digest() throws -> String {
        do { return BackboneDigest.of(try ModelFile.read(path: path)) } catch {
            throw LearningError(.badArgument, "cannot read the EfficientNet-Lite0 backbone '\(path)' again: \(error)")
        }
    }

    /// - Parameter side: level 1 only: frame images at this side instead of the backbone file's (the network
    ///   is fully convolutional up to its global pooling, so the same weights run at any multiple of 32).
    init(path: String, topBlocks: Int = 0, fit: FitMode = .crop, cropFraction: Double = 1, side: Int? = nil) throws {
        self.path = path
        do {
            var file = try ModelFile.read(path: path)
            if let side, topBlocks == 0 { file.inputSize = [side, side] }
            if topBlocks == 0 {
                let threads = LearningThreads.count > 0 ? LearningThreads.count : NNThreads.count
                let net = try EfficientNetLite0(modelFile: file, threads: threads)
                extractor = .pooled(net)
                inputSide = net.inputSize
                mean = net.normalization.mean
                std = net.normalization.std
            } else {
                let model = try TrainableEfficientNet.make(modelFile: file)
                extractor = .trunk(try TrainableEfficientNet.split(model, topBlocks: topBlocks).trunk)
                inputSide = file.inputSize.first ?? 224
                mean = file.normalization.mean
                std = file.normalization.std
            }
        } catch {
            throw LearningError(.badArgument, "cannot load the EfficientNet-Lite0 backbone '\(path)': \(error)")
        }
        geometry = InputGeometry(size: inputSide, channels: 3, fit: fit, cropFraction: cropFraction, mean: mean, std: std)
    }

    /// Features for `indices`; with `draws` > 1, draw 0 is the clean image and draws 1… are augmented
    /// (seeded), stored as consecutive variants of each image. Level 1 (pooled features) seeds each image's
    /// draws from its bytes, not from `seed`, so they are the same in every training and `store` can keep them.
    func features(_ archive: LabeledArchive, indices: [Int], draws: Int = 1, augmentation: Augmentation = .none,
                  seed: UInt64 = 0, store: FeatureStore? = nil) throws -> ImageSet {
        if case .pooled(let net) = extractor {
            return try pooled(net, archive, indices: indices, draws: draws, augmentation: augmentation, store: store)
        }
        let side = inputSide
        var rng = SeededGenerator(seed: seed, stream: "feature-draws")
        var out: ImageSet?
        var labels: [Int] = []
        let variants = max(1, draws)
        var queue = DrawQueue(cache: self)
        func take(_ values: [Float], _ shape: (c: Int, h: Int, w: Int)) {
            if out == nil {
                out = ImageSet(channels: shape.c, height: shape.h, width: shape.w)
                out!.pixels.reserveCapacity(indices.count * variants * shape.c * shape.h * shape.w)
            }
            out!.pixels += values
        }
        let reader = try ArchiveImage()
        for i in indices {
            let item = archive.items[i]
            let img = FloatImage(channels: 3, height: side, width: side,
                                 pixels: try reader.pixels(path: item.path, geometry: geometry))
            labels.append(item.label)
            try queue.add(img, draws: variants, augmentation: augmentation, rng: &rng, then: take)
        }
        try queue.flush(then: take)
        var set = out ?? ImageSet(channels: featureShapeWhenEmpty.c, height: featureShapeWhenEmpty.h, width: featureShapeWhenEmpty.w)
        set.labels = labels
        set.variants = variants
        return set
    }

    /// Level 1: the pooled features of each image's draws, from `store` when it has them, else from the backbone
    /// (in batches of `batch` slots) and then into `store`, `chunk` images at a time (what a killed training
    /// loses of the store's progress, and the encoded images held at once).
    private func pooled(_ net: EfficientNetLite0, _ archive: LabeledArchive, indices: [Int], draws: Int,
                        augmentation: Augmentation, store: FeatureStore?) throws -> ImageSet {
        let k = net.featureCount, variants = max(1, draws), side = inputSide, chunk = 64
        var set = ImageSet(channels: k, height: 1, width: 1)
        set.pixels.reserveCapacity(indices.count * variants * k)
        set.labels = indices.map { archive.items[$0].label }
        set.variants = variants
        let reader = try ArchiveImage()
        for start in stride(from: 0, to: indices.count, by: chunk) {
            let paths = indices[start..<min(indices.count, start + chunk)].map { archive.items[$0].path }
            let bytes = try paths.map(ImageSet.readFile)
            let keys = bytes.map { SHA256.hash($0) }
            set.pixels += try FeatureStore.values(store, keys: keys, floatsPerImage: variants * k) { missing in
                var out: [Float] = [], queue = DrawQueue(cache: self)
                out.reserveCapacity(missing.count * variants * k)
                for i in missing {
                    let img = FloatImage(channels: 3, height: side, width: side, pixels: ModelInput.pixels(
                        try reader.frame(bytes: bytes[i], path: paths[i], geometry: geometry), channels: 3))
                    var rng = SeededGenerator(seed: keys[i].prefix(8).reduce(0) { $0 << 8 | UInt64($1) }, stream: "feature-draws")
                    try queue.add(img, draws: variants, augmentation: augmentation, rng: &rng) { values, _ in out += values }
                }
                try queue.flush { values, _ in out += values }
                return out
            }
        }
        return set
    }

    /// Normalised draws of images waiting for the extractor, which runs on `batch` slots at a time: draw 0 is the
    /// image itself, the others augmented with the caller's generator (both extractors' loops).
    private struct DrawQueue {
        let cache: FeatureCache
        let norm: Normalization
        var pending: [Float] = [], slots = 0

        init(cache: FeatureCache) {
            self.cache = cache
            norm = Normalization(mean: cache.mean, std: cache.std)
        }

        /// Queues `img`'s `draws` draws; `then` gets each full batch's output (values, per-image shape).
        mutating func add(_ img: FloatImage, draws: Int, augmentation: Augmentation, rng: inout SeededGenerator,
                          then: ([Float], (c: Int, h: Int, w: Int)) throws -> Void) throws {
            for d in 0..<draws {
                let v = d == 0 || augmentation.isIdentity ? img : Augmentation.apply(augmentation.draw(width: img.width, height: img.height) { rng.unit() }, to: img)
                pending += norm.apply(v.pixels, channels: 3, perImage: v.pixels.count)
                slots += 1
                if slots == cache.batch { try flush(then: then) }
            }
        }

        /// Runs the extractor on what is queued, if anything.
        mutating func flush(then: ([Float], (c: Int, h: Int, w: Int)) throws -> Void) throws {
            guard slots > 0 else { return }
            let (values, shape) = try cache.extract(pending, n: slots)
            try then(values, shape)
            pending.removeAll(keepingCapacity: true)
            slots = 0
        }
    }

    /// The extractor's output for `n` normalized images: values (n × C·H·W) and the per-image shape.
    fileprivate func extract(_ batch: [Float], n: Int) throws -> ([Float], (c: Int, h: Int, w: Int)) {
        switch extractor {
        case .pooled(let net):
            return (batch.withUnsafeBufferPointer { net.features(batch: $0, n: n) }, (net.featureCount, 1, 1))
        case .trunk(let trunk):
            let x = Tensor(shape: Shape(n: n, c: 3, h: inputSide, w: inputSide), values: batch)
            let y = try trunk.forward(x, training: false)
            let d = y.shape.dims
            return (y.array, (d[1], d[2], d[3]))
        }
    }

    /// Shape of an empty set (no images: an empty test split): only the pooled extractor knows it without a pass.
    private var featureShapeWhenEmpty: (c: Int, h: Int, w: Int) {
        if case .pooled(let net) = extractor { return (net.featureCount, 1, 1) }
        return (0, 1, 1)
    }
}
