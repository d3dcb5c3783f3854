import Foundation

/// Algorithm 1's class weights: δ_j = 1 / |instances containing concept c_j| (issue 19, the paper's imbalance
/// handling), and how they become the per-class weights of the SVM, which trains over label *combinations*.
///
/// The paper weights per concept but trains per combination, and does not say how one becomes the other. Here a
/// combination's weight is a `Reduction` of its concepts' δ: the **mean** by default (a combination is as rare as
/// its concepts are on average), or the **max** (as rare as its rarest concept) — both measured by `make
/// bench-tags`. The empty label set, if it occurs, counts as a concept of its own (δ = 1 / |instances with no
/// label|).
///
/// Scale: δ ≈ 1/n is a tiny multiplier of C (C·δ ≈ 0.9/500 on yeast), which would turn the weighted SVM into a
/// different, heavily regularised model rather than a re-weighted one. The weights are therefore rescaled so their
/// mean over the training rows is 1: the ratios between classes are the paper's, the average C stays 0.9 (a
/// documented deviation; scikit-learn's `class_weight="balanced"` is normalised the same way).
///
/// Strength: `exponent` α tempers the ratios, w_k ∝ raw_k^α (α = 1 the paper's weights, α = 0 no weighting).
/// On yeast the paper's α = 1 buys macro F1 with Hamming loss (rare combinations win more votes); `make
/// bench-tags` picks α on the validation split and reports α = 1 as its own row.
public struct ConceptWeights: Sendable, Equatable {
    public enum Reduction: String, Sendable, CaseIterable { case mean, max }

    /// δ_j per label (0 for a label no training row carries: it has no combination to weight).
    public let delta: [Double]
    /// δ of the empty label set (0 when every row has a label).
    public let emptyDelta: Double

    public init(training: [Set<Int>], labelCount: Int) {
        var n = [Int](repeating: 0, count: labelCount)
        var empty = 0
        for s in training {
            if s.isEmpty { empty += 1 }
            for j in s where j < labelCount { n[j] += 1 }
        }
        delta = n.map { $0 > 0 ? 1 / Double($0) : 0 }
        emptyDelta = empty > 0 ? 1 / Double(empty) : 0
    }

    /// The unnormalised weight of one combination (a label set): mean or max of its concepts' δ.
    public func raw(_ combination: [Int], _ reduction: Reduction) -> Double {
        if combination.isEmpty { return emptyDelta }
        let d = combination.map { delta[$0] }
        switch reduction {
        case .mean: return d.reduce(0, +) / Double(d.count)
        case .max: return d.max()!
        }
    }

    /// Per-class weights for a powerset, rescaled so the mean weight over the training rows (counts after merging)
    /// is 1. Keys are class indices, as `WeightedSVM` takes them.
    public func classWeights(_ powerset: LabelPowerset, _ reduction: Reduction = .mean, exponent: Double = 1) -> [Int: Double] {
        let raw = powerset.combinations.map { Foundation.pow(self.raw($0, reduction), exponent) }
        let rows = powerset.counts.reduce(0, +)
        let mean = zip(raw, powerset.counts).map { $0 * Double($1) }.reduce(0, +) / Double(max(rows, 1))
        var out: [Int: Double] = [:]
        for (k, w) in raw.enumerated() where mean > 0 { out[k] = w / mean }
        return out
    }
}
