/// One worker's preallocated activation buffers for a whole EfficientNet pass, sized once from the network
/// so a forward pass allocates nothing. Buffer roles: `cols` stem im2col; `expanded` stem / expand-conv
/// output (pre-activation); `depthwise` depthwise output; `a`/`b` block outputs (ping-pong, so a residual
/// block can read its input while writing its output); `head` head-conv output; `scratch` one padded plane
/// per intra-op thread; `tail` one partial GEMM panel per intra-op thread.
final class InferenceWorkspace {
    struct Plan {
        var cols = 0, expanded = 0, depthwise = 0, blockOut = 0, head = 0, scratch = 0, threads = 1
        /// Whether passes keep a shared trunk's output (`InferenceWorkspace.trunk`).
        var trunk = false
        /// Largest reduction length of any 1×1 conv (for the GEMM's partial-panel copy).
        var maxK = 0

        /// Floats every buffer gets past its largest use: the channels-last GEMM reads up to 6 pixel rows past
        /// the end of its input (results for them are discarded).
        var slack = 16

        /// `channelsLastFrom`/`channelMajorUntil`: the earlier and the later of the network's two switch blocks.
        /// Blocks before the later one may run channel-major (its im2col, scratch planes and GEMM panel copies);
        /// from the earlier one on, channels-last (padded channels, its scratch). With both 0 (the default) the
        /// channel-major buffers are not allocated.
        init(net blocks: [EfficientNetLite0.Block], stem: FoldedConv, head: FoldedConv, inputSize: Int, threads: Int,
             channelsLastFrom: Int, channelMajorUntil: Int) {
            var h = (inputSize + 1) / 2
            cols = channelMajorUntil > 0 ? stem.inChannels * stem.kernel * stem.kernel * h * h : 0
            expanded = stem.outChannels * h * h
            slack = max(16, (ChannelsLastGEMM.pixels - 1) * max(head.inChannels, blocks.map(\.spec.expand).max() ?? 0))
            for (i, b) in blocks.enumerated() {
                expanded = max(expanded, b.spec.expand * h * h)
            maxK = max(maxK, b.spec.in, b.spec.expand)
                let g = DepthwiseKernel.Geometry(h: h, w: h, k: b.spec.kernel, stride: b.spec.stride)
                depthwise = max(depthwise, b.spec.expand * g.ho * g.wo)
                // Channels-last blocks store 16-padded channels, and their input was moved there.
                let pad = i >= channelsLastFrom ? ChannelsLastGEMM.padded : { $0 }
                blockOut = max(blockOut, pad(b.spec.out) * g.ho * g.wo, pad(b.spec.in) * g.h * g.w)
                // Between the two switches a block may run either way (batch-parallel vs split passes).
                scratch = max(scratch, i < channelMajorUntil ? g.scratchCount : 0,
                              i >= channelsLastFrom ? ChannelsLastDepthwise.scratchCount(g) : 0)
                // Channels-last expand convs may write zero-bordered group planes (`ChannelsLastGEMM.Planes`).
                if i >= channelsLastFrom {
                    expanded = max(expanded, ChannelsLastGEMM.padded(b.spec.expand) / 16 * ChannelsLastDepthwise.scratchCount(g))
                }
                h = g.ho
            }
            self.head = head.outChannels * h * h
            maxK = max(maxK, head.inChannels, stem.inChannels * stem.kernel * stem.kernel)
            if channelMajorUntil == 0 { maxK = 0 }   // the partial-panel copies are `PointwiseGEMM`'s
            self.threads = threads
        }
    }

    let cols, expanded, depthwise, a, b, head: UnsafeMutablePointer<Float>
    /// The phase being run and into how many slices (set by `EfficientNetLite0.forward`).
    var phase: EfficientNetLite0.Phase = .idle
    var chunks = 1
    /// Whose weights the current pass runs above the shared trunk: index into `EfficientNetLite0.tops` (0: the
    /// network's own). Set by `walk`, read by the phases.
    var top = 0
    /// Trunk sharing (`SharedTrunkEfficientNet`): the activation leaving the shared trunk, written by the trunk's
    /// last block and read by every top's first block (`a`/`b` are overwritten by the first top). Only with
    /// `Plan.trunk`; `a`'s size.
    let trunk: UnsafeMutablePointer<Float>?
    /// `runPhase` bound to this workspace, created once by the network (see `EfficientNetLite0.Phase`).
    var task: (Int) -> Void = { _ in }
    let scratch: [UnsafeMutablePointer<Float>]
    /// Expand-conv output of intra-op threads 1, 2, … when a phase is split by rows (thread 0 uses `expanded`):
    /// neighbouring row slices both compute the few input rows their depthwise windows share, and each thread
    /// writes them to its own buffer so no two threads write the same memory.
    let expandedByThread: [UnsafeMutablePointer<Float>]
    /// Per intra-op thread: the zero-padded copy of a partial 32-column GEMM panel.
    let tail: [UnsafeMutablePointer<Float>]

    /// Where intra-op thread `t` writes its expand-conv rows in a row-split phase.
    func expanded(thread t: Int) -> UnsafeMutablePointer<Float> { t == 0 ? expanded : expandedByThread[t - 1] }

    init(_ plan: Plan) {
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n + plan.slack)
            p.initialize(repeating: 0, count: n + plan.slack)
            return p
        }
        cols = make(plan.cols)
        expanded = make(plan.expanded)
        depthwise = make(plan.depthwise)
        a = make(plan.blockOut)
        b = make(plan.blockOut)
        trunk = plan.trunk ? make(plan.blockOut) : nil
        head = make(plan.head)
        scratch = (0..<plan.threads).map { _ in make(plan.scratch) }
        expandedByThread = (1..<max(1, plan.threads)).map { _ in make(plan.expanded) }
        tail = (0..<plan.threads).map { _ in make(plan.maxK * PointwiseGEMM.nr) }
    }

    deinit {
        for p in [cols, expanded, depthwise, a, b, head] + scratch + expandedByThread + tail { p.deallocate() }
        trunk?.deallocate()
    }
}
