/// The multi-label figures issue 19 reports (definitions as in Zhang & Zhou, "A review on multi-label learning
/// algorithms", IEEE TKDE 2014, §2.2, and scikit-learn's `hamming_loss`, `f1_score`, `average_precision_score`):
///
/// - Hamming loss = Σ_i |Y_i Δ Ŷ_i| / (N·L): the fraction of (instance, label) pairs predicted wrong.
/// - micro F1 = 2·TP / (2·TP + FP + FN) over all pairs pooled.
/// - macro F1 = mean over the L labels of 2·TP_j / (2·TP_j + FP_j + FN_j); a label never true and never predicted
///   scores 0 (scikit-learn's `zero_division=0`), so a rare label cannot be ignored by never predicting it.
/// - MAP = **label-based mean average precision**: for each label with at least one positive instance, the
///   average precision of ranking the instances by that label's score, AP_j = Σ_n (R_n − R_{n−1})·P_n over the
///   distinct score thresholds (tied scores enter together: scikit-learn's `average_precision_score`); the mean
///   over those labels. Labels without a positive are left out of the mean (their AP is undefined).
public struct MultiLabelMetrics: Sendable, Equatable, Codable {
    public var hammingLoss: Double
    public var microF1: Double
    public var macroF1: Double
    /// nil when no scores were given.
    public var meanAveragePrecision: Double?
    public var f1PerLabel: [Double]

    /// `truth` and `predicted` are label sets per instance; `scores[i][j]` (optional) ranks instance i for label j.
    public init(truth: [Set<Int>], predicted: [Set<Int>], labelCount: Int, scores: [[Double]]? = nil) {
        precondition(truth.count == predicted.count, "MultiLabelMetrics: \(truth.count) truths, \(predicted.count) predictions")
        var tp = [Int](repeating: 0, count: labelCount), fp = tp, fn = tp
        var wrong = 0
        for (t, p) in zip(truth, predicted) {
            wrong += t.symmetricDifference(p).count
            for j in t where j < labelCount { if p.contains(j) { tp[j] += 1 } else { fn[j] += 1 } }
            for j in p where j < labelCount && !t.contains(j) { fp[j] += 1 }
        }
        let n = Double(max(truth.count, 1) * max(labelCount, 1))
        hammingLoss = Double(wrong) / n
        let TP = tp.reduce(0, +), FP = fp.reduce(0, +), FN = fn.reduce(0, +)
        microF1 = 2 * TP + FP + FN > 0 ? Double(2 * TP) / Double(2 * TP + FP + FN) : 0
        f1PerLabel = (0..<labelCount).map { j in
            let d = 2 * tp[j] + fp[j] + fn[j]
            return d > 0 ? Double(2 * tp[j]) / Double(d) : 0
        }
        macroF1 = labelCount > 0 ? f1PerLabel.reduce(0, +) / Double(labelCount) : 0
        if let scores {
            precondition(scores.count == truth.count, "MultiLabelMetrics: one score row per instance")
            var aps: [Double] = []
            for j in 0..<labelCount {
                let positive = truth.map { $0.contains(j) }
                if let ap = Self.averagePrecision(scores.map { $0[j] }, positive) { aps.append(ap) }
            }
            meanAveragePrecision = aps.isEmpty ? nil : aps.reduce(0, +) / Double(aps.count)
        } else {
            meanAveragePrecision = nil
        }
    }

    /// AP = Σ_n (R_n − R_{n−1})·P_n over distinct thresholds, highest score first; nil without a positive.
    public static func averagePrecision(_ score: [Double], _ positive: [Bool]) -> Double? {
        let total = positive.filter { $0 }.count
        guard total > 0 else { return nil }
        let order = score.indices.sorted { score[$0] > score[$1] }
        var ap = 0.0, hits = 0, seen = 0, lastRecall = 0.0
        var i = 0
        while i < order.count {
            // Take every instance tied at this score as one threshold.
            let s = score[order[i]]
            while i < order.count && score[order[i]] == s {
                seen += 1
                if positive[order[i]] { hits += 1 }
                i += 1
            }
            let recall = Double(hits) / Double(total)
            ap += (recall - lastRecall) * Double(hits) / Double(seen)
            lastRecall = recall
        }
        return ap
    }
}
