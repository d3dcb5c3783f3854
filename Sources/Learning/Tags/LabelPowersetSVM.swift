import Serving

/// Label powerset + (weighted) linear SVM: Algorithm 1's classifier over L̂ (issue 19). Trains one libsvm C-SVC on
/// the combination classes of `LabelPowerset`, weighted per class by `ConceptWeights` (or unweighted, the
/// baseline), optionally on a subset of the features (the RFE's choice).
///
/// Scores for ranking (MAP): an LP model outputs a combination, not per-label scores. The score of label j is the
/// share of one-vs-one votes won by combinations containing j, Σ_{c ∋ j} votes(c) / (K·(K−1)/2), so the labels of
/// the winning combination and of its close runners-up rank high.
public struct LabelPowersetSVM: Sendable {
    public enum Weighting: Sendable, Equatable {
        case none
        /// δ-based weights: the reduction over a combination's concepts and the tempering exponent α (1 = paper).
        case concepts(ConceptWeights.Reduction, exponent: Double = 1)
    }

    public let powerset: LabelPowerset
    /// Feature indices the SVM sees, in this order.
    public let features: [Int]
    /// Per-class C multipliers passed to libsvm (empty when unweighted).
    public let classWeights: [Int: Double]
    /// The class of each training row (after merging): what the SVM was trained on.
    public let trainingClasses: [Int]
    private let svm: WeightedSVM

    public init(rows: [[Double]], labelSets: [Set<Int>], labelCount: Int, minimumCombinationCount: Int = 1,
                weighting: Weighting = .concepts(.mean), features: [Int]? = nil,
                parameters: WeightedSVM.Parameters = .init()) throws {
        guard rows.count == labelSets.count, !rows.isEmpty else {
            throw LearningError(.badArgument, "LabelPowersetSVM: \(rows.count) rows and \(labelSets.count) label sets; pass one set per row")
        }
        let powerset = try LabelPowerset(training: labelSets, labelCount: labelCount, minimumCount: minimumCombinationCount)
        let features = features ?? Array(rows[0].indices)
        guard !features.isEmpty, features.allSatisfy({ rows[0].indices.contains($0) }) else {
            throw LearningError(.badArgument, "LabelPowersetSVM: the feature subset is empty or names a column past \(rows[0].count)")
        }
        let classes = labelSets.map { powerset.classIndex(of: $0) }
        let weights: [Int: Double]
        switch weighting {
        case .none: weights = [:]
        case .concepts(let r, let a):
            weights = ConceptWeights(training: labelSets, labelCount: labelCount).classWeights(powerset, r, exponent: a)
        }
        self.svm = try WeightedSVM(rows: rows.map { Self.select($0, features) }, labels: classes, classWeights: weights,
                                   parameters: parameters)
        self.powerset = powerset
        self.features = features
        self.classWeights = weights
        self.trainingClasses = classes
    }

    /// The predicted combination class.
    public func predictClass(_ row: [Double]) -> Int { svm.predict(Self.select(row, features)) }

    /// The predicted label set (the inverse transform of the predicted class).
    public func predict(_ row: [Double]) -> Set<Int> { powerset.labels(of: predictClass(row)) }

    /// Predicted class and per-label scores (vote shares, see the type's comment).
    public func scores(_ row: [Double]) -> (predictedClass: Int, labelScores: [Double]) {
        let (votes, predicted) = svm.votes(Self.select(row, features))
        var s = [Double](repeating: 0, count: powerset.labelCount)
        let k = svm.classes.count
        let pairs = Double(max(k * (k - 1) / 2, 1))
        for (i, c) in svm.classes.enumerated() {
            for j in powerset.combinations[c] { s[j] += Double(votes[i]) / pairs }
        }
        return (predicted, s)
    }

    static func select(_ row: [Double], _ features: [Int]) -> [Double] { features.map { row[$0] } }

    /// The model as a `TagClassifier` (no libsvm needed to serve it): the SVM's pairwise affine functions over the
    /// selected features, and each SVM class's label combination.
    public func servedModel(tagNames: [String], featureCount: Int, backbone: String) -> TagClassifier {
        let (w, b) = svm.linearDecisionFunctions()
        return TagClassifier(tagNames: tagNames, featureCount: featureCount, features: features,
                             combinations: svm.classes.map { powerset.combinations[$0] },
                             weights: w.map { $0.map(Float.init) }, bias: b.map(Float.init), backbone: backbone)
    }
}
