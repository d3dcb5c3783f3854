import CamsiftCore
import COpenBLAS
import Foundation
import Synchronization

/// EfficientNet-Lite0 inference (Tan & Le 2019, the "Lite" variant: no squeeze-excite, ReLU6), built from a
/// camsift model file. BatchNorm is folded into every conv; the stem (after im2col) and all 1×1 convs run
/// `PointwiseGEMM` with bias + ReLU6 (or bias + residual) applied in its epilogue; depthwise convs run
/// `DepthwiseKernel`.
///
/// Threads: with a batch of at least two images and `threads > 1`, images are spread over `threads` workers,
/// each with its own buffers (no synchronisation inside a network pass); a single image is split across
/// `threads` inside each layer (two fork-joins per block). The forward pass does not use
/// OpenBLAS (its 1×1 convs run `PointwiseGEMM`), so it never touches OpenBLAS's process-wide thread count; only
/// the small dense head calls `cblas_sgemm`, under whatever `NNThreads` set.
///
/// Not thread-safe: confine an instance to one thread (the pipeline's inference thread). After the first call
/// at a given batch size, the `into:` variants allocate nothing.
public final class EfficientNetLite0 {
    public let architecture: EfficientNetArchitecture
    public let classes: [String]
    public let normalization: ModelFile.Normalization
    public let threads: Int
    /// Network input: 3 × `inputSize` × `inputSize`, float32 NCHW.
    public let inputSize: Int
    /// Length of the pooled feature vector (1280).
    public var featureCount: Int { head.outChannels }
    public var classCount: Int { classifier.outChannels }

    let stem: FoldedConv
    let blocks: [Block]
    let head: FoldedConv
    /// Dense 1280 → classes, `[out × in]`.
    let classifier: FoldedConv
    let workspaces: [InferenceWorkspace]
    private var featureBuffer: UnsafeMutablePointer<Float>
    private var featureCapacity = 0

    let stemGEMM: PointwiseGEMM
    let headGEMM: PointwiseGEMM

    struct Block {
        let spec: EfficientNetArchitecture.Block
        let expand: FoldedConv?
        let depthwise: FoldedConv
        let project: FoldedConv
        let expandGEMM: PointwiseGEMM?
        let projectGEMM: PointwiseGEMM

        init(spec: EfficientNetArchitecture.Block, expand: FoldedConv?, depthwise: FoldedConv, project: FoldedConv) {
            self.spec = spec
            self.expand = expand
            self.depthwise = depthwise
            self.project = project
            expandGEMM = expand.map(PointwiseGEMM.init)
            projectGEMM = PointwiseGEMM(project)
        }
    }

    /// Builds the network from an `effnet-lite0` model file.
    /// - Parameter threads: worker threads (≥ 1); both cores by default. Callers sharing the box with ingest cap it.
    public init(modelFile m: ModelFile, threads: Int = 2) throws {
        guard m.architectureName == "effnet-lite0" else {
            throw NNError(code: .unsupportedArchitecture,
                          message: "model is '\(m.architectureName)', not effnet-lite0; pass an ImageNet backbone file")
        }
        guard threads >= 1 else { throw NNError(code: .invalidArgument, message: "threads must be ≥ 1, got \(threads)") }
        let arch = try m.architecture(as: EfficientNetArchitecture.self)
        guard arch.activation == "relu6", arch.padding == "tf-same", arch.stem.kernel == 3, arch.stem.stride == 2,
              m.inputSize.count == 2, m.inputSize[0] == m.inputSize[1], m.inputSize[0] % 32 == 0 else {
            throw NNError(code: .unsupportedArchitecture,
                          message: "effnet-lite0 description \(m.architectureJSON.prefix(200))… is not one this build runs")
        }
        let eps = arch.bnEpsilon
        architecture = arch
        classes = m.classes
        normalization = m.normalization
        inputSize = m.inputSize[0]
        self.threads = threads
        stem = try FoldedConv.fold(conv: "stem.conv.weight", bn: "stem.bn", epsilon: eps, from: m)
        var blocks: [Block] = []
        var channels = stem.outChannels
        for (i, spec) in arch.blocks.enumerated() {
            let p = "blocks.\(i)."
            let expand = spec.expand != spec.in
                ? try FoldedConv.fold(conv: p + "expand.conv.weight", bn: p + "expand.bn", epsilon: eps, from: m) : nil
            let dw = try FoldedConv.fold(conv: p + "dw.conv.weight", bn: p + "dw.bn", epsilon: eps, from: m)
            let project = try FoldedConv.fold(conv: p + "project.conv.weight", bn: p + "project.bn", epsilon: eps, from: m)
            guard spec.in == channels, expand.map({ $0.inChannels == spec.in && $0.outChannels == spec.expand }) ?? true,
                  dw.outChannels == spec.expand, dw.inChannels == 1, dw.kernel == spec.kernel,
                  project.inChannels == spec.expand, project.outChannels == spec.out,
                  spec.stride == 1 || spec.stride == 2, !spec.residual || (spec.stride == 1 && spec.in == spec.out),
                  expand != nil || i == 0 else {
                throw NNError(code: .shapeMismatch, message: "block \(i) tensors do not match its description \(spec)")
            }
            blocks.append(Block(spec: spec, expand: expand, depthwise: dw, project: project))
            channels = spec.out
        }
        self.blocks = blocks
        head = try FoldedConv.fold(conv: "head.conv.weight", bn: "head.bn", epsilon: eps, from: m)
        let fcW = try m.tensor("classifier.weight", shape: [arch.classifier.out, arch.classifier.in])
        let fcB = try m.tensor("classifier.bias", shape: [arch.classifier.out])
        classifier = FoldedConv(outChannels: fcW.shape[0], inChannels: fcW.shape[1], kernel: 1,
                                weights: fcW.values, bias: fcB.values)
        guard head.inChannels == channels, classifier.inChannels == head.outChannels,
              m.classes.count == classifier.outChannels else {
            throw NNError(code: .shapeMismatch, message: "head/classifier shapes do not match (\(m.classes.count) "
                          + "class names, classifier \(classifier.outChannels)×\(classifier.inChannels))")
        }
        stemGEMM = PointwiseGEMM(stem)
        headGEMM = PointwiseGEMM(head)
        let plan = InferenceWorkspace.Plan(net: blocks, stem: stem, head: head, inputSize: inputSize, threads: threads)
        workspaces = (0..<threads).map { _ in InferenceWorkspace(plan) }
        featureBuffer = .allocate(capacity: 1)
    }

    deinit { featureBuffer.deallocate() }

    /// Elements of one preprocessed image (3·H·W).
    public var imageElementCount: Int { 3 * inputSize * inputSize }

    /// Pooled 1280-d features for `n` preprocessed images (NCHW, see `preprocess`), `n × 1280`, row-major.
    public func features(batch: UnsafeBufferPointer<Float>, n: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: n * featureCount) { buf, count in
            features(batch: batch, n: n, into: buf)
            count = n * featureCount
        }
    }

    /// Class logits for `n` preprocessed images, `n × classes`, row-major.
    public func logits(batch: UnsafeBufferPointer<Float>, n: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: n * classCount) { buf, count in
            logits(batch: batch, n: n, into: buf)
            count = n * classCount
        }
    }

    /// `features(batch:n:)` into a caller's buffer of at least `n × 1280` floats.
    public func features(batch: UnsafeBufferPointer<Float>, n: Int, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(batch.count >= n * imageElementCount, "batch holds \(batch.count) floats, need \(n * imageElementCount)")
        precondition(out.count >= n * featureCount)
        guard n > 0 else { return }
        let input = batch.baseAddress!, output = out.baseAddress!
        let per = imageElementCount, fc = featureCount
        if n >= 2 && threads >= 2 {
            // Batch-parallel: each worker claims the next image, so a preempted worker costs at most one image.
            let next = Atomic<Int>(0)
            let spaces = workspaces
            InferenceParallel.forEach(min(threads, n)) { w in
                while true {
                    let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard i < n else { return }
                    self.forward(image: input + i * per, features: output + i * fc, workspace: spaces[w], chunks: 1)
                }
            }
        } else {
            for i in 0..<n {
                forward(image: input + i * per, features: output + i * fc, workspace: workspaces[0], chunks: threads)
            }
        }
    }

    /// `logits(batch:n:)` into a caller's buffer of at least `n × classes` floats.
    public func logits(batch: UnsafeBufferPointer<Float>, n: Int, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count >= n * classCount)
        guard n > 0 else { return }
        if featureCapacity < n * featureCount {
            featureBuffer.deallocate()
            featureBuffer = .allocate(capacity: n * featureCount)
            featureCapacity = n * featureCount
        }
        let feats = UnsafeMutableBufferPointer(start: featureBuffer, count: n * featureCount)
        features(batch: batch, n: n, into: feats)
        classify(features: UnsafeBufferPointer(feats), n: n, into: out)
    }

    /// The dense head alone: logits from pooled features (`n × 1280` → `n × classes`).
    public func classify(features: UnsafeBufferPointer<Float>, n: Int, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(features.count >= n * featureCount && out.count >= n * classCount)
        let k = featureCount, m = classCount
        classifier.weights.withUnsafeBufferPointer { w in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(m), Int32(k), 1,
                        features.baseAddress, Int32(k), w.baseAddress, Int32(k), 0, out.baseAddress, Int32(m))
        }
        classifier.bias.withUnsafeBufferPointer { b in
            for i in 0..<n {
                for j in 0..<m { out[i * m + j] += b[j] }
            }
        }
    }
}
