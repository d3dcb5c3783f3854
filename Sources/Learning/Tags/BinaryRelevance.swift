/// Binary relevance (Tsoumakas & Katakis 2007, §3; Zhang & Zhou 2014, §3.1.1): one independent linear C-SVC per
/// label (libsvm, C = 0.9, unweighted), the baseline issue 19 asks the method to beat on macro F1. It ignores
/// label co-occurrence, which is what the label powerset adds.
///
/// A label that is always (or never) present in training has no boundary to learn: it is predicted constant with
/// score ±1. Scores for MAP are the SVM's decision values, positive = label present.
public struct BinaryRelevance: Sendable {
    public let labelCount: Int
    private enum Model: Sendable {
        case constant(Bool)
        case svm(WeightedSVM)
    }
    private let models: [Model]

    public init(rows: [[Double]], labelSets: [Set<Int>], labelCount: Int, parameters: WeightedSVM.Parameters = .init()) throws {
        guard rows.count == labelSets.count, !rows.isEmpty else {
            throw LearningError(.badArgument, "BinaryRelevance: \(rows.count) rows and \(labelSets.count) label sets; pass one set per row")
        }
        models = try (0..<labelCount).map { j in
            let y = labelSets.map { $0.contains(j) ? 1 : 0 }
            let positives = y.reduce(0, +)
            if positives == 0 || positives == y.count { return .constant(positives > 0) }
            return .svm(try WeightedSVM(rows: rows, labels: y, parameters: parameters))
        }
        self.labelCount = labelCount
    }

    /// Per-label decision values, positive = present.
    public func scores(_ row: [Double]) -> [Double] {
        models.map { m in
            switch m {
            case .constant(let on): return on ? 1 : -1
            // Two classes [0, 1]: libsvm's value is positive for classes[0] = "absent".
            case .svm(let svm): return -svm.decisionValue(row)
            }
        }
    }

    /// The predicted label set: every label whose SVM predicts "present" (libsvm's own predict, not a threshold on
    /// `scores`, so it matches scikit-learn's `predict`).
    public func predict(_ row: [Double]) -> Set<Int> {
        var out = Set<Int>()
        for (j, m) in models.enumerated() {
            switch m {
            case .constant(let on): if on { out.insert(j) }
            case .svm(let svm): if svm.predict(row) == 1 { out.insert(j) }
            }
        }
        return out
    }
}
