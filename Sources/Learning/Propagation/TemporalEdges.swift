/// The temporal relation of Iterative Multi-label Propagation (Indyk, Kajdanowicz, Kazienko, "Relational large scale
/// multi-label classification method for video categorization") in camsift's terms: the paper relates videos by
/// shared context; a camera's consecutive frames share almost everything (same scene a minute apart), so each frame
/// is joined to the next frame of the same camera — when the gap is short enough that the scene can still be the
/// same one.
public enum TemporalEdges {
    /// One frame as a graph node.
    public struct Frame: Sendable {
        public var node: Int
        public var camera: String
        /// Seconds on any common clock (Unix time).
        public var time: Double
        public init(node: Int, camera: String, time: Double) {
            self.node = node
            self.camera = camera
            self.time = time
        }
    }

    /// An edge of weight `weight` between consecutive frames (by time, then node) of each camera whose gap is at
    /// most `maxGap` seconds; frames of different cameras are never joined.
    public static func edges(_ frames: [Frame], maxGap: Double, weight: Float = 1) -> [PropagationGraph.Edge] {
        let order = frames.sorted {
            ($0.camera, $0.time, $0.node) < ($1.camera, $1.time, $1.node)
        }
        var out: [PropagationGraph.Edge] = []
        for (a, b) in zip(order, order.dropFirst()) where a.camera == b.camera && b.time - a.time <= maxGap {
            out.append(PropagationGraph.Edge(a.node, b.node, weight: weight))
        }
        return out
    }
}
