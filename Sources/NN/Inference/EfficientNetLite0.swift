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
/// `threads` inside each layer (two fork-joins per block), on `WorkerPool.inference`. Inference does not call
/// OpenBLAS at all (1×1 convs run `PointwiseGEMM`, the dense head a SIMD loop), so it never touches OpenBLAS's
/// process-wide thread count.
///
/// Not thread-safe: confine an instance to one thread (the pipeline's inference thread). After the first call
/// at a given batch size, the `into:` variants allocate nothing (InferenceAllocationTests counts mallocs).
public final class EfficientNetLite0 {
    public let architecture: EfficientNetArchitecture
    public let classes: [String]
    public let normalization: ModelFile.Normalization
    public let threads: Int
    /// Network input: 3 × `inputSize` × `inputSize`, float32 NCHW.
    public let inputSize: Int
    /// Length of the pooled feature vector (1280).
    public var featureCount: Int { head.outChannels }
    public var classCount: Int { classifierHead.classCount }

    let stem: FoldedConv
    let blocks: [Block]
    let head: FoldedConv
    /// Dense 1280 → classes.
    let classifierHead: ClassifierHead
    let workspaces: [InferenceWorkspace]
    private var featureBuffer: UnsafeMutablePointer<Float>
    /// Batch-parallel `features`: the call's buffers, the next unclaimed image, and the long-lived body.
    private var batchInput: UnsafePointer<Float>?, batchOutput: UnsafeMutablePointer<Float>?, batchCount = 0
    private let nextImage = Atomic<Int>(0)
    private var batchTask: (Int) -> Void = { _ in }
    private var featureCapacity = 0

    let stemGEMM: PointwiseGEMM
    let headGEMM: PointwiseGEMM

    /// The weights above the shared trunk of every model this network serves: `tops[0]` is the network's own
    /// (`blocks`, `head…`, `classifierHead`), more only for `SharedTrunkEfficientNet` (`init(sharing:)`). A pass
    /// runs the stem and blocks below `trunkBlocks` once, then each top (`walk`); with one top, the plain network.
    let tops: [Top]
    /// Blocks every top shares (all of them with one top). The stem is always shared.
    let trunkBlocks: Int
    /// Whether the head conv is shared too (only with `trunkBlocks == blocks.count`): then the tops differ in
    /// their classifiers only and one pass gives every top's features.
    let headShared: Bool

    /// One model's blocks (those below `trunkBlocks` are the same `Block` values in every top: copy-on-write
    /// arrays, so the trunk's weights are stored once), head conv in the layouts passes end in, and classifier.
    struct Top {
        let blocks: [Block]
        let headGEMM: PointwiseGEMM
        let headChannelsLast: ChannelsLastGEMM?
        let classifierHead: ClassifierHead
    }

    struct Block {
        let spec: EfficientNetArchitecture.Block
        let expand: FoldedConv?
        let depthwise: FoldedConv
        let project: FoldedConv
        let expandGEMM: PointwiseGEMM?
        let projectGEMM: PointwiseGEMM
        /// The channels-last forms, built only for blocks that run channels-last (see `channelsLastFrom`).
        let channelsLast: ChannelsLastForm?

        struct ChannelsLastForm {
            /// `nil` for block 0, whose depthwise conv reads the stem's output.
            let expand: ChannelsLastGEMM?
            let depthwise: [Float]
            let project: ChannelsLastGEMM
        }

        init(spec: EfficientNetArchitecture.Block, expand: FoldedConv?, depthwise: FoldedConv, project: FoldedConv,
             channelsLast: Bool, channelMajor: Bool) {
            self.spec = spec
            self.expand = expand
            self.depthwise = depthwise
            self.project = project
            if channelsLast {
                // Channels-last tensors are stored 16-padded (24 → 32, 40 → 48); the padding stays 0.
                let pad = ChannelsLastGEMM.padded
                self.channelsLast = ChannelsLastForm(
                    expand: expand.map { ChannelsLastGEMM($0, m: pad(spec.expand), k: pad(spec.in)) },
                    depthwise: ChannelsLastDepthwise.pack(weights: depthwise.weights, channels: spec.expand, k: spec.kernel),
                    project: ChannelsLastGEMM(project, m: pad(spec.out), k: pad(spec.expand)))
            } else {
                self.channelsLast = nil
            }
            if channelMajor || self.channelsLast == nil {
                expandGEMM = expand.map(PointwiseGEMM.init)
                projectGEMM = PointwiseGEMM(project)
            } else {
                expandGEMM = nil
                projectGEMM = PointwiseGEMM(weights: [], bias: [], m: 0, k: 0)
            }
        }
    }

    /// First block that runs channels-last (NHWC) when each worker runs whole images (batches of ≥ 2): from
    /// block 0 on, the stem computed straight into channels-last (measured, bench/RESULTS.md). Blocks before it
    /// run channel-major.
    public let channelsLastFrom: Int
    /// The same for one image split across threads. Also block 0 by default: before the inference pool spun
    /// between jobs the early channels-last layers split worse and this was block 6 (the first 14×14 plane);
    /// measured again with the spinning pool, block 0 wins here too (bench/RESULTS.md). Kept separate so the
    /// two can be measured apart (`init(channelsLastFrom:)` sets both).
    public let channelsLastFromSplit: Int
    /// The stem computed straight into channels-last (when block 0 runs channels-last).
    var stemChannelsLast: ChannelsLastStem?
    /// The head for passes that end channels-last.
    var headChannelsLast: ChannelsLastGEMM?

    /// Builds the network from an `effnet-lite0` model file.
    /// - Parameter threads: worker threads (≥ 1); both cores by default. Callers sharing the box with ingest cap it.
    /// - Parameter channelsLastFrom: first block to run channels-last (`nil`: the measured default; a value past
    ///   the last block runs everything channel-major). Both layouts compute the same function (tested).
    /// - Parameter channelsLastFromSplit: the same for one image split over threads (default: `channelsLastFrom`).
    public convenience init(modelFile m: ModelFile, threads: Int = 2, channelsLastFrom: Int? = nil,
                            channelsLastFromSplit: Int? = nil) throws {
        try self.init(modelFile: m, threads: threads, channelsLastFrom: channelsLastFrom,
                      channelsLastFromSplit: channelsLastFromSplit, sharing: [], trunkBlocks: 0, headShared: false)
    }

    /// Trunk sharing (`SharedTrunkEfficientNet`): the network of `m` plus one top per file in `others`, each with
    /// that file's blocks from `trunkBlocks` on, head conv (unless `headShared`) and classifier over `m`'s stem and
    /// first `trunkBlocks` blocks. The caller has checked that the files have `m`'s architecture and share those
    /// tensors (and the head conv with `headShared`). With no `others`, the plain network.
    init(modelFile m: ModelFile, threads: Int, channelsLastFrom: Int?, channelsLastFromSplit: Int?,
         sharing others: [ModelFile], trunkBlocks k: Int, headShared: Bool) throws {
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
        let stemChannelsLast = ChannelsLastStem(stem)
        let from = Self.channelsLastSwitch(arch, requested: channelsLastFrom, stemAllows: stemChannelsLast != nil)
        let fromSplit = Self.channelsLastSwitch(arch, requested: channelsLastFromSplit ?? channelsLastFrom,
                                                stemAllows: stemChannelsLast != nil)
        if min(from, fromSplit) == 0 { self.stemChannelsLast = stemChannelsLast }
        self.channelsLastFrom = from
        self.channelsLastFromSplit = fromSplit
        for (i, spec) in arch.blocks.enumerated() {
            blocks.append(try Self.foldBlock(i, spec, inChannels: channels, epsilon: eps, from: m,
                                             channelsLast: i >= min(from, fromSplit), channelMajor: i < max(from, fromSplit)))
            channels = spec.out
        }
        self.blocks = blocks
        head = try FoldedConv.fold(conv: "head.conv.weight", bn: "head.bn", epsilon: eps, from: m)
        classifierHead = try ClassifierHead(modelFile: m)
        guard head.inChannels == channels, classifierHead.featureCount == head.outChannels,
              classifierHead.classCount == arch.classifier.out, classifierHead.featureCount == arch.classifier.in else {
            throw NNError(code: .shapeMismatch, message: "head/classifier shapes do not match (\(m.classes.count) "
                          + "class names, classifier \(classifierHead.classCount)×\(classifierHead.featureCount))")
        }
        stemGEMM = PointwiseGEMM(stem)
        // The head runs in whichever layout a pass ends in (each pass kind may end in either).
        if min(from, fromSplit) < blocks.count {
            headChannelsLast = ChannelsLastGEMM(head, k: ChannelsLastGEMM.padded(head.inChannels))
        }
        headGEMM = max(from, fromSplit) < blocks.count ? PointwiseGEMM(weights: [], bias: [], m: 0, k: 0) : PointwiseGEMM(head)
        var tops = [Top(blocks: blocks, headGEMM: headGEMM, headChannelsLast: headChannelsLast, classifierHead: classifierHead)]
        for other in others {
            tops.append(try Self.top(of: other, over: tops[0], trunkBlocks: k, head: headShared ? nil : head, eps: eps,
                                     channelsLast: min(from, fromSplit), channelMajorUntil: max(from, fromSplit)))
        }
        self.tops = tops
        trunkBlocks = others.isEmpty ? blocks.count : k
        self.headShared = others.isEmpty || headShared
        var plan = InferenceWorkspace.Plan(net: blocks, stem: stem, head: head, inputSize: inputSize, threads: threads,
                                           channelsLastFrom: min(from, fromSplit), channelMajorUntil: max(from, fromSplit))
        // The trunk's output is kept between a trunk of ≥ 1 block and tops that run something after it.
        plan.trunk = trunkBlocks > 0 && !(trunkBlocks == blocks.count && self.headShared)
        // Only workspace 0 runs split passes (one image over all threads: per-thread scratch and expand buffers);
        // the others serve batch-parallel workers, one thread each.
        workspaces = (0..<threads).map { w in
            var p = plan
            if w > 0 { p.threads = 1 }
            return InferenceWorkspace(p)
        }
        featureBuffer = .allocate(capacity: 1)
        // Long-lived parallel bodies (unowned: the network owns its workspaces and these closures).
        for ws in workspaces { ws.task = { [unowned self, unowned ws] t in self.runPhase(t, ws) } }
        batchTask = { [unowned self] w in self.runBatchWorker(w) }
    }

    deinit { featureBuffer.deallocate() }

    /// Block `i` of `m`, BatchNorm folded, checked against its description `spec` (entered by `channels`
    /// channels), in the layouts passes run it in.
    static func foldBlock(_ i: Int, _ spec: EfficientNetArchitecture.Block, inChannels channels: Int, epsilon eps: Float,
                          from m: ModelFile, channelsLast: Bool, channelMajor: Bool) throws -> Block {
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
        return Block(spec: spec, expand: expand, depthwise: dw, project: project, channelsLast: channelsLast,
                     channelMajor: channelMajor)
    }

    /// The top of model file `m` over `own`'s trunk (its first `k` blocks): `m`'s blocks from `k` on, head conv
    /// (`head`, this network's, is the shape to match; `nil`: `own`'s head conv is shared) and classifier, in the
    /// layouts the passes run (channels-last from block `channelsLast`, channel-major before `channelMajorUntil`).
    static func top(of m: ModelFile, over own: Top, trunkBlocks k: Int, head: FoldedConv?, eps: Float,
                    channelsLast lo: Int, channelMajorUntil hi: Int) throws -> Top {
        let count = own.blocks.count
        precondition((0...count).contains(k) && (head != nil || k == count))
        var blocks = Array(own.blocks[..<k])
        for i in k..<count {
            let spec = own.blocks[i].spec
            blocks.append(try foldBlock(i, spec, inChannels: spec.in, epsilon: eps, from: m, channelsLast: i >= lo,
                                        channelMajor: i < hi))
        }
        let classifier = try ClassifierHead(modelFile: m)
        guard let head else {
            guard classifier.featureCount == own.classifierHead.featureCount else {
                throw NNError(code: .shapeMismatch, message: "classifier reads \(classifier.featureCount) features, "
                              + "the head gives \(own.classifierHead.featureCount)")
            }
            return Top(blocks: blocks, headGEMM: own.headGEMM, headChannelsLast: own.headChannelsLast, classifierHead: classifier)
        }
        let h = try FoldedConv.fold(conv: "head.conv.weight", bn: "head.bn", epsilon: eps, from: m)
        guard h.inChannels == head.inChannels, h.outChannels == head.outChannels, h.kernel == head.kernel,
              classifier.featureCount == head.outChannels else {
            throw NNError(code: .shapeMismatch, message: "head conv \(h.outChannels)×\(h.inChannels)×\(h.kernel)² / "
                          + "classifier over \(classifier.featureCount) features do not fit the shared trunk's head "
                          + "\(head.outChannels)×\(head.inChannels)×\(head.kernel)²")
        }
        return Top(blocks: blocks,
                   headGEMM: hi < count ? PointwiseGEMM(weights: [], bias: [], m: 0, k: 0) : PointwiseGEMM(h),
                   headChannelsLast: lo < count ? ChannelsLastGEMM(h, k: ChannelsLastGEMM.padded(h.inChannels)) : nil,
                   classifierHead: classifier)
    }

    /// The channels-last switch block: `requested` (clamped to 0…blocks), else the earliest possible; moved later
    /// while a block from there on cannot run channels-last (the depthwise kernel needs expanded channels in
    /// multiples of 16; block 0, which has no expand conv, needs the channels-last stem kernel).
    static func channelsLastSwitch(_ arch: EfficientNetArchitecture, requested: Int?, stemAllows: Bool) -> Int {
        var from = max(stemAllows ? 0 : 1, min(requested ?? 0, arch.blocks.count))
        while from < arch.blocks.count,
              !arch.blocks[from...].enumerated().allSatisfy({ $1.expand % 16 == 0 && ($1.expand != $1.in || from + $0 == 0) })
                || arch.head.out % 16 != 0 {
            from += 1
        }
        return from
    }

    /// Elements of one preprocessed image (3·H·W).
    public var imageElementCount: Int { 3 * inputSize * inputSize }

    /// Pooled 1280-d features for `n` preprocessed images (NCHW, see `preprocess`), `n × 1280`, row-major.
    public func features(batch: UnsafeBufferPointer<Float>, n: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: n * featureCount * tops.count) { buf, count in
            features(batch: batch, n: n, into: buf)
            count = n * featureCount * tops.count
        }
    }

    /// Class logits for `n` preprocessed images, `n × classes`, row-major.
    public func logits(batch: UnsafeBufferPointer<Float>, n: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: n * classCount) { buf, count in
            logits(batch: batch, n: n, into: buf)
            count = n * classCount
        }
    }

    /// `features(batch:n:)` into a caller's buffer of at least `n × 1280` floats. (A network with several tops,
    /// inside `SharedTrunkEfficientNet`, writes `n × 1280` per top, top after top.)
    public func features(batch: UnsafeBufferPointer<Float>, n: Int, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(batch.count >= n * imageElementCount, "batch holds \(batch.count) floats, need \(n * imageElementCount)")
        precondition(out.count >= n * featureCount * tops.count)
        guard n > 0 else { return }
        let input = batch.baseAddress!, output = out.baseAddress!
        let per = imageElementCount, fc = featureCount
        if n >= 2 && threads >= 2 {
            // Batch-parallel: each worker claims the next image, so a preempted worker costs at most one image.
            batchInput = input
            batchOutput = output
            batchCount = n
            nextImage.store(0, ordering: .relaxed)
            InferenceParallel.forEach(min(threads, n), batchTask)
            batchInput = nil
            batchOutput = nil
        } else {
            for i in 0..<n {
                forward(image: input + i * per, features: output + i * fc, topStride: n * fc, workspace: workspaces[0],
                        chunks: threads)
            }
        }
    }

    /// Worker `w` of a batch-parallel `features` call: claims images until none are left.
    private func runBatchWorker(_ w: Int) {
        guard let input = batchInput, let output = batchOutput else { return }
        while true {
            let i = nextImage.wrappingAdd(1, ordering: .relaxed).oldValue
            guard i < batchCount else { return }
            forward(image: input + i * imageElementCount, features: output + i * featureCount,
                    topStride: batchCount * featureCount, workspace: workspaces[w], chunks: 1)
        }
    }

    /// `logits(batch:n:)` into a caller's buffer of at least `n × classes` floats.
    public func logits(batch: UnsafeBufferPointer<Float>, n: Int, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count >= n * classCount)
        guard n > 0 else { return }
        if featureCapacity < n * featureCount * tops.count {
            featureBuffer.deallocate()
            featureBuffer = .allocate(capacity: n * featureCount * tops.count)
            featureCapacity = n * featureCount * tops.count
        }
        let feats = UnsafeMutableBufferPointer(start: featureBuffer, count: n * featureCount * tops.count)
        features(batch: batch, n: n, into: feats)
        classify(features: UnsafeBufferPointer(feats), n: n, into: out)
    }

    /// The dense head alone: logits from pooled features (`n × 1280` → `n × classes`).
    ///
    /// Own SIMD loop, not `cblas_sgemm`: OpenBLAS mallocs a work buffer on every call, and an inference call must
    /// allocate nothing. The head is 1.3 M multiply-adds per image (0.3 % of the network), so a register-blocked
    /// dot product (each weight row loaded once per 4 images) costs next to nothing.
    public func classify(features: UnsafeBufferPointer<Float>, n: Int, into out: UnsafeMutableBufferPointer<Float>) {
        classifierHead.classify(features: features, n: n, into: out)
    }
}
