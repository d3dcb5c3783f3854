/// What the "enough data?" view shows: per label how many images, from which cameras, how balanced against the
/// rest, and whether that is enough to train on.
public struct DatasetStats: Sendable, Codable, Equatable {
    public struct Label: Sendable, Codable, Equatable {
        public var name: String
        public var count: Int
        public var perCamera: [String: Int]
        /// Positives / negatives, one-vs-all: n_c / (N − n_c), the R_c of docs/learning.md. Nil when the label
        /// holds every image (there are no negatives).
        public var positiveNegativeRatio: Double?
        /// `count >= minimumPerLabel`.
        public var usable: Bool
    }

    public var labels: [Label]
    public var total: Int
    public var minimumPerLabel: Int
    /// At least two labels and every label usable: `camsift train` can run on it.
    public var usable: Bool
}

/// One training run, recorded by whoever trained (`LabelStore.recordTraining`): each class's reference F1 and
/// how many images it had, so the console can chart how F1 moved as labels were added.
public struct TrainingPoint: Sendable, Codable, Equatable {
    public var model: String
    public var at: Double
    public var perClassF1: [String: Double]
    public var counts: [String: Int]
}
