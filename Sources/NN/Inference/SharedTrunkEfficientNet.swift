import Foundation

/// Several EfficientNet-Lite0 models that share their lower layers, run as one network: the shared trunk (stem
/// and blocks below the first block whose tensors differ) once per image, then each model's own top (its blocks
/// from there, head conv, pooling and classifier) from a saved copy of the trunk's output.
///
/// A level-2 bundle (issue 15 §2) has two models whose top N blocks, head conv and classifier were fine-tuned
/// separately from one ImageNet backbone, so their stem and lower 16 − N blocks are bit-identical: two whole
/// networks would compute the same trunk twice. Here the trunk's weights are stored once too (the tops' block
/// lists share the trunk's `Block` values).
///
/// Same kernels, layouts, threads and warm-up behaviour as `EfficientNetLite0` (it is one, with extra tops): a
/// batch of ≥ 2 images runs one image per worker (trunk, then every top), one image is split over the threads
/// phase by phase; after the first call at a batch size, `logits(batch:n:into:)` allocates nothing. Not
/// thread-safe: confine an instance to one thread.
public final class SharedTrunkEfficientNet {
    /// Blocks shared by every model (K): blocks `0..<trunkBlocks` run once per image. 16 when the models differ
    /// in the head conv and/or classifier only.
    public let trunkBlocks: Int
    /// Whether the head conv is shared too (then the models differ in their classifiers only, and one pass
    /// gives every model's features).
    public let headShared: Bool
    public let inputSize: Int
    /// Elements of one preprocessed image (3·H·W).
    public var imageElementCount: Int { network.imageElementCount }
    public let normalization: ModelFile.Normalization
    /// Classes of each model, in the order of the files.
    public let classCounts: [Int]
    public var modelCount: Int { classCounts.count }
    public var threads: Int { network.threads }
    /// Length of each model's pooled feature vector (1280).
    public var featureCount: Int { network.featureCount }

    let network: EfficientNetLite0
    private var featureBuffer: UnsafeMutablePointer<Float>
    private var featureCapacity = 0

    /// Builds the shared network from `modelFiles` (`effnet-lite0`, ≥ 1), comparing their tensors to find the
    /// trunk. Throws `NNError` (`.invalidArgument`, or what `EfficientNetLite0` throws for a file it cannot run)
    /// when the files do not have the same architecture, tensor names and shapes, input size and normalization,
    /// or do not share the stem.
    /// - Parameters: `threads`, `channelsLastFrom`, `channelsLastFromSplit`: as for `EfficientNetLite0`.
    public init(modelFiles: [ModelFile], threads: Int = 2, channelsLastFrom: Int? = nil,
                channelsLastFromSplit: Int? = nil) throws {
        let shared = try Self.sharedLayers(of: modelFiles)
        network = try EfficientNetLite0(modelFile: modelFiles[0], threads: threads, channelsLastFrom: channelsLastFrom,
                                        channelsLastFromSplit: channelsLastFromSplit, sharing: Array(modelFiles.dropFirst()),
                                        trunkBlocks: shared.blocks, headShared: shared.head)
        trunkBlocks = shared.blocks
        headShared = shared.head
        inputSize = network.inputSize
        normalization = network.normalization
        classCounts = network.tops.map(\.classifierHead.classCount)
        featureBuffer = .allocate(capacity: 1)
    }

    deinit { featureBuffer.deallocate() }

    /// The layers `files` share: the number of leading blocks whose tensors are bit-identical in every file
    /// (stopping at the first that differs in any file), and whether the head conv is too (only when all blocks
    /// are). Throws unless the files are one architecture (same description but for the class count, same
    /// tensor names and shapes), input size and normalization, with the same stem.
    public static func sharedLayers(of files: [ModelFile]) throws -> (blocks: Int, head: Bool) {
        guard let first = files.first else {
            throw NNError(code: .invalidArgument, message: "trunk sharing needs at least one model file, got none")
        }
        func refuse(_ i: Int, _ why: String) -> NNError {
            NNError(code: .invalidArgument, message: "cannot share an EfficientNet trunk between model 0 and model \(i): "
                    + why + "; serve them as separate networks")
        }
        for (i, m) in files.enumerated() where m.architectureName != "effnet-lite0" {
            throw NNError(code: .unsupportedArchitecture,
                          message: "model \(i) is '\(m.architectureName)', not effnet-lite0; trunk sharing runs EfficientNet-Lite0 files")
        }
        let arch = try first.architecture(as: EfficientNetArchitecture.self)
        for (i, m) in files.enumerated().dropFirst() {
            var other = try m.architecture(as: EfficientNetArchitecture.self)
            other.classifier.out = arch.classifier.out   // class counts may differ: each model has its own classifier
            guard other == arch else { throw refuse(i, "their architecture descriptions differ") }
            guard m.inputSize == first.inputSize else {
                throw refuse(i, "input sizes \(first.inputSize) and \(m.inputSize) differ")
            }
            guard m.normalization == first.normalization else {
                throw refuse(i, "input normalizations \(first.normalization) and \(m.normalization) differ")
            }
            // Every tensor but the classifier's, by name: same set, same shapes.
            let mine = first.tensors.filter { !$0.name.hasPrefix("classifier.") }
            let theirs = m.tensors.filter { !$0.name.hasPrefix("classifier.") }
            let shapes = Dictionary(theirs.map { ($0.name, $0.shape) }, uniquingKeysWith: { a, _ in a })
            if mine.count != theirs.count || mine.contains(where: { shapes[$0.name] != $0.shape }) {
                throw refuse(i, "their tensor names or shapes differ")
            }
        }
        // Whether `m` has bit-identical tensors under `prefix` (a unit: "stem.", "blocks.3.", "head.").
        func same(_ prefix: String, _ m: ModelFile) -> Bool {
            first.tensors.allSatisfy { a in
                guard a.name.hasPrefix(prefix) else { return true }
                guard let b = m[a.name], a.values.count == b.values.count else { return false }
                return a.values.withUnsafeBytes { x in b.values.withUnsafeBytes { y in x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
            }
        }
        let others = files.dropFirst()
        if let i = others.indices.first(where: { !same("stem.", files[$0]) }) {
            throw refuse(i, "their stems differ (no layer to share)")
        }
        let n = arch.blocks.count
        let blocks = (0..<n).first { b in others.contains { !same("blocks.\(b).", $0) } } ?? n
        return (blocks, blocks == n && others.allSatisfy { same("head.", $0) })
    }

    /// Class logits of every model for `n` preprocessed images (NCHW floats, each model's — the shared —
    /// normalization, as `EfficientNetLite0.logits(batch:n:)` takes them): per model in file order, `n × classes`,
    /// row-major.
    public func logits(batch: UnsafeBufferPointer<Float>, n: Int) -> [[Float]] {
        let outputs = classCounts.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: n * $0) }
        defer { for o in outputs { o.deallocate() } }
        logits(batch: batch, n: n, into: outputs)
        return outputs.map { Array($0) }
    }

    /// `logits(batch:n:)` into the caller's buffers, one per model (≥ `n × classCounts[v]` floats each). After the
    /// first call at a batch size, allocates nothing.
    public func logits(batch: UnsafeBufferPointer<Float>, n: Int, into outputs: [UnsafeMutableBufferPointer<Float>]) {
        precondition(outputs.count == modelCount, "\(outputs.count) output buffers for \(modelCount) models")
        guard n > 0 else { return }
        let fc = featureCount, total = n * fc * modelCount
        if featureCapacity < total {
            featureBuffer.deallocate()
            featureBuffer = .allocate(capacity: total)
            featureCapacity = total
        }
        network.features(batch: batch, n: n, into: UnsafeMutableBufferPointer(start: featureBuffer, count: total))
        for v in 0..<modelCount {
            network.tops[v].classifierHead.classify(features: UnsafeBufferPointer(start: featureBuffer + v * n * fc, count: n * fc),
                                                    n: n, into: outputs[v])
        }
    }

    /// Class logits of every model for pooled features computed earlier (`n × 1280`, e.g. kept on disk between
    /// runs): each model's classifier on the same features, so only for models that share the head conv (one
    /// model always does).
    public func logits(features: UnsafeBufferPointer<Float>, n: Int) -> [[Float]] {
        precondition(headShared || modelCount == 1, "models with their own head convs have their own features")
        precondition(features.count >= n * featureCount, "\(features.count) features for \(n) images")
        return network.tops.map { top in
            let out = UnsafeMutableBufferPointer<Float>.allocate(capacity: n * top.classifierHead.classCount)
            defer { out.deallocate() }
            top.classifierHead.classify(features: features, n: n, into: out)
            return Array(out)
        }
    }

    /// The first model's pooled features (`n × 1280`) from the last `logits` call of `n` images — what a
    /// window model reads, without a second pass. Valid until the next `logits` call.
    public func firstModelFeatures(n: Int) -> UnsafeBufferPointer<Float> {
        precondition(n * featureCount <= featureCapacity, "no logits call of \(n) images to take features from")
        return UnsafeBufferPointer(start: featureBuffer, count: n * featureCount)
    }

    /// Pooled features of every model (`n × 1280` per model, model after model) into `out` (≥ `n × 1280 ×
    /// modelCount` floats).
    public func features(batch: UnsafeBufferPointer<Float>, n: Int, into out: UnsafeMutableBufferPointer<Float>) {
        network.features(batch: batch, n: n, into: out)
    }
}
