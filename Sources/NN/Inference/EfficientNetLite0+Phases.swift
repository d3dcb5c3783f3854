extension EfficientNetLite0 {
    /// What one fork-join phase of a forward pass computes, as seen from outside NN. Bench-only: for
    /// `camsift-bench engine-profile`, which times phases through `forEachPhase` and names them itself.
    public struct PhaseDescription: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// The stem: im2col only on the channel-major path (its GEMM runs in block 0's `expand`), the whole
            /// stem conv on the channels-last path.
            case stem
            /// Channel-major block input → channels-last, before the first channels-last block.
            case toChannelsLast
            /// A block's producer 1×1 conv (block 0 channel-major: the stem GEMM; block 0 channels-last: none)
            /// and its depthwise conv.
            case expand
            /// A block's project 1×1 conv (+ residual).
            case project
            /// Head 1×1 conv + global average pool.
            case head
        }
        public var kind: Kind
        /// The block, for `expand` and `project`.
        public var block: Int?
        public var channelsLast: Bool
        /// An `expand` of an unsplit channels-last pass that also runs the block's project conv, band by band.
        public var includesProject: Bool
        /// Pixels of the phase's input plane and of its output plane (one image).
        public var inputPixels: Int, outputPixels: Int
    }

    /// Bench-only (`camsift-bench engine-profile`; not used in service): one image through the network as a
    /// forward pass runs it with `chunks` slices per phase (1: every image of a batch; 2: batch 1 on two
    /// threads), calling `around` once per phase with the phase and a closure that runs it (fork-join over
    /// `chunks` threads). `around` must call it exactly once. The same `walk` as `forward`, so the two cannot
    /// drift apart. Not thread-safe against a concurrent `features`/`logits` call on this network.
    public func forEachPhase(image: UnsafePointer<Float>, chunks: Int,
                             _ around: (PhaseDescription, () -> Void) -> Void) {
        precondition(chunks >= 1 && chunks <= threads)
        let ws = workspaces[0]
        let features = UnsafeMutablePointer<Float>.allocate(capacity: featureCount)
        defer { features.deallocate() }
        walk(image: image, features: features, workspace: ws, chunks: chunks) { phase in
            around(describe(phase)) { InferenceParallel.forEach(chunks, ws.task) }
        }
        ws.phase = .idle
    }

    private func describe(_ phase: Phase) -> PhaseDescription {
        func d(_ kind: PhaseDescription.Kind, _ block: Int? = nil, channelsLast: Bool, project: Bool = false,
               _ inputPixels: Int, _ outputPixels: Int) -> PhaseDescription {
            PhaseDescription(kind: kind, block: block, channelsLast: channelsLast, includesProject: project,
                             inputPixels: inputPixels, outputPixels: outputPixels)
        }
        let image = inputSize * inputSize, stemOut = ((inputSize + 1) / 2) * ((inputSize + 1) / 2)
        switch phase {
        case .idle, .stem: return d(.stem, channelsLast: false, image, stemOut)
        case .stemChannelsLast: return d(.stem, channelsLast: true, image, stemOut)
        case let .toChannelsLast(_, _, _, plane): return d(.toChannelsLast, channelsLast: true, plane, plane)
        case let .expand(i, _, g): return d(.expand, i, channelsLast: false, g.h * g.w, g.ho * g.wo)
        case let .expandChannelsLast(i, _, g, project):
            return d(.expand, i, channelsLast: true, project: project != nil, g.h * g.w, g.ho * g.wo)
        case let .project(i, _, _, plane): return d(.project, i, channelsLast: false, plane, plane)
        case let .projectChannelsLast(i, _, _, plane): return d(.project, i, channelsLast: true, plane, plane)
        case let .head(_, plane, _): return d(.head, channelsLast: false, plane, 1)
        case let .headChannelsLast(_, plane, _): return d(.head, channelsLast: true, plane, 1)
        }
    }
}
