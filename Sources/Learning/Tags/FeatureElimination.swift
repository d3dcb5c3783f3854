/// Algorithm 1's recursive feature elimination over the forest's ranking R (issue 19): start from every feature,
/// drop the lowest-ranked, retrain, compare the score with the previous one, and stop when it no longer improves.
///
/// The stopping rule is fixed as the issue asks: the printed algorithm returns the feature set of the *last*
/// (worse) score; this returns the **best** score and the feature set that produced it. `patience` (default 1,
/// the paper's rule) is how many non-improving steps in a row end the walk; `step` features are dropped per
/// round (1 in the paper; larger steps bound the cost on wide features). Scores are "higher is better" and come
/// from the caller — the bench uses validation macro F1, never the test split.
public struct FeatureElimination: Sendable {
    public struct Round: Sendable, Equatable {
        public var featureCount: Int
        public var score: Double
    }

    public struct Result: Sendable, Equatable {
        /// The best-scoring feature set, in ranking order (most important first).
        public var features: [Int]
        public var score: Double
        /// Every evaluated round, in order.
        public var rounds: [Round]
    }

    public var step: Int
    public var patience: Int
    /// The walk never goes below this many features.
    public var minimumFeatures: Int

    public init(step: Int = 1, patience: Int = 1, minimumFeatures: Int = 1) throws {
        guard step >= 1, patience >= 1, minimumFeatures >= 1 else {
            throw LearningError(.badArgument, "FeatureElimination: step \(step), patience \(patience), minimumFeatures \(minimumFeatures); each must be ≥ 1")
        }
        self.step = step
        self.patience = patience
        self.minimumFeatures = minimumFeatures
    }

    /// Walks `ranking` (most important first) from the bottom, calling `score` on each candidate feature set.
    public func run(ranking: [Int], score: ([Int]) throws -> Double) rethrows -> Result {
        var current = ranking
        var best = Result(features: current, score: try score(current), rounds: [])
        best.rounds.append(Round(featureCount: current.count, score: best.score))
        var rounds = best.rounds
        var worse = 0
        while current.count - step >= minimumFeatures {
            current.removeLast(step)
            let s = try score(current)
            rounds.append(Round(featureCount: current.count, score: s))
            if s > best.score {
                best.features = current
                best.score = s
                worse = 0
            } else {
                worse += 1
                if worse >= patience { break }
            }
        }
        best.rounds = rounds
        return best
    }
}
