/// A (possibly weighted) confusion matrix: `cells[t][p]` is the total weight of images of true class t
/// predicted as p. Weights implement the deployed view (`deploymentWeights`); unweighted = weight 1.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public var cells: [[Double]]

    public init(classCount: Int) {
        cells = [[Double]](repeating: [Double](repeating: 0, count: classCount), count: classCount)
    }

    public init(truth: [Int], predicted: [Int], classCount: Int, weights: [Double]? = nil) {
        precondition(truth.count == predicted.count, "one prediction per image")
        self.init(classCount: classCount)
        for i in truth.indices { cells[truth[i]][predicted[i]] += weights?[i] ?? 1 }
    }

    public var classCount: Int { cells.count }

    /// One-vs-all metrics (the method's per-class F1) and their averages.
    public var metrics: ClassificationMetrics {
        let k = classCount
        var p = [Double](repeating: 0, count: k), r = p, f = p, support = p
        var total = 0.0, correct = 0.0
        for t in 0..<k {
            for q in 0..<k { total += cells[t][q] }
            correct += cells[t][t]
        }
        for c in 0..<k {
            let tp = cells[c][c]
            let predicted = (0..<k).reduce(0.0) { $0 + cells[$1][c] }
            let actual = cells[c].reduce(0, +)
            support[c] = actual
            // 0/0 is taken as 0: a class never predicted has precision 0 (sklearn's zero_division=0).
            p[c] = predicted > 0 ? tp / predicted : 0
            r[c] = actual > 0 ? tp / actual : 0
            f[c] = p[c] + r[c] > 0 ? 2 * p[c] * r[c] / (p[c] + r[c]) : 0
        }
        let macro = k > 0 ? f.reduce(0, +) / Double(k) : 0
        let weighted = total > 0 ? zip(f, support).reduce(0.0) { $0 + $1.0 * $1.1 } / total : 0
        return ClassificationMetrics(accuracy: total > 0 ? correct / total : 0, macroF1: macro, weightedF1: weighted,
                                     precision: p, recall: r, f1: f, support: support, confusion: cells)
    }

    /// The deployed view's per-image weights: share of the image's class in the reference distribution
    /// (the training archive) over its share in the evaluated set, so the weighted class mix matches
    /// what a camera sees in service. A class absent from the evaluated set has no images to weight.
    public static func deploymentWeights(truth: [Int], targetShares: [Double]) -> [Double] {
        var counts = [Double](repeating: 0, count: targetShares.count)
        for t in truth { counts[t] += 1 }
        let n = Double(truth.count)
        return truth.map { targetShares[$0] / (counts[$0] / n) }
    }
}
