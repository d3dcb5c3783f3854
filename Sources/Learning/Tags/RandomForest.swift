import CamsiftCore

/// A seeded random forest of CART trees (Breiman, "Random forests", Machine Learning 2001): each tree on a
/// bootstrap draw of the rows, √d features tried per split. Algorithm 1 uses it for one thing: the ranking R of
/// the features by mean decrease in Gini impurity (MDI), which recursive feature elimination then walks from the
/// bottom (`FeatureElimination`).
///
/// Importances follow scikit-learn's `RandomForestClassifier.feature_importances_` (the bench compares them by
/// Spearman rank correlation): per tree the impurity decreases are divided by their sum, the per-tree vectors are
/// averaged, and the average is normalised to sum 1. A tree with no split (a pure bootstrap) contributes zeros.
public struct RandomForest: Sendable {
    public struct Parameters: Sendable, Equatable {
        public var trees = 100
        /// Features tried per split; nil = ⌊√d⌋ (scikit-learn's "sqrt").
        public var maxFeatures: Int?
        public var minSamplesSplit = 2
        public var seed: UInt64 = 1
        public init() {}
    }

    private let trees: [DecisionTree]
    public let classCount: Int
    /// Mean decrease in Gini impurity per feature, normalised to sum 1 (all zero if no tree ever split).
    public let importances: [Double]

    /// Trains on `rows` with classes `labels` (0..<classCount).
    public init(rows: [[Double]], labels: [Int], classCount: Int, parameters: Parameters = .init()) throws {
        guard !rows.isEmpty, rows.count == labels.count, let d = rows.first?.count, d > 0,
              rows.allSatisfy({ $0.count == d }) else {
            throw LearningError(.badArgument, "RandomForest: need equally long, non-empty rows and one label per row (\(rows.count) rows, \(labels.count) labels)")
        }
        guard labels.allSatisfy({ (0..<classCount).contains($0) }) else {
            throw LearningError(.badArgument, "RandomForest: a label is outside 0..<\(classCount)")
        }
        guard parameters.trees >= 1 else { throw LearningError(.badArgument, "RandomForest: trees = \(parameters.trees); use at least 1") }
        var columns = [[Double]](repeating: [Double](repeating: 0, count: rows.count), count: d)
        for (i, r) in rows.enumerated() { for j in 0..<d { columns[j][i] = r[j] } }
        let m = parameters.maxFeatures ?? max(1, Int(Double(d).squareRoot()))
        var rng = SeededGenerator(seed: parameters.seed, stream: "random-forest")
        var trees: [DecisionTree] = []
        var sum = [Double](repeating: 0, count: d)
        for _ in 0..<parameters.trees {
            let bootstrap = (0..<rows.count).map { _ in rng.below(rows.count) }
            let tree = DecisionTree(columns: columns, labels: labels, classCount: classCount, samples: bootstrap,
                                    maxFeatures: m, minSamplesSplit: parameters.minSamplesSplit, rng: &rng)
            let total = tree.decrease.reduce(0, +)
            if total > 0 { for j in 0..<d { sum[j] += tree.decrease[j] / total } }
            trees.append(tree)
        }
        let total = sum.reduce(0, +)
        self.importances = total > 0 ? sum.map { $0 / total } : sum
        self.trees = trees
        self.classCount = classCount
    }

    /// Majority vote of the trees' leaf classes (ties to the lower class).
    public func predict(_ row: [Double]) -> Int {
        var votes = [Int](repeating: 0, count: classCount)
        for t in trees { votes[t.predict(row)] += 1 }
        return votes.indices.max { votes[$0] < votes[$1] || (votes[$0] == votes[$1] && $0 > $1) }!
    }

    /// Feature indices from most to least important (ties to the lower index): Algorithm 1's R.
    public var ranking: [Int] {
        importances.indices.sorted { importances[$0] != importances[$1] ? importances[$0] > importances[$1] : $0 < $1 }
    }
}
