/// Non-interpolated average precision of a binary detector's scores: the mean, over the positives, of the
/// precision at each positive's rank. Yan, Chen, Shyu, Chen ("Deep Learning for Imbalanced Multimedia Data
/// Classification") report it per concept next to recall, precision and F1 (TRECVID's measure); it judges the
/// ranking, so it does not depend on the decision threshold that recall and precision need.
///
/// Tied scores are ranked negatives first (the pessimistic order), so a constant detector scores the prevalence
/// or less, never more.
public enum AveragePrecision {
    /// AP of `scores` (higher = more likely positive) against `positive` flags; 0 when there are no positives.
    public static func of(scores: [Float], positive: [Bool]) -> Double {
        precondition(scores.count == positive.count, "AveragePrecision: \(scores.count) scores, \(positive.count) labels")
        let order = scores.indices.sorted {
            scores[$0] != scores[$1] ? scores[$0] > scores[$1] : (!positive[$0] && positive[$1])
        }
        var hits = 0, sum = 0.0
        for (rank, i) in order.enumerated() where positive[i] {
            hits += 1
            sum += Double(hits) / Double(rank + 1)
        }
        return hits == 0 ? 0 : sum / Double(hits)
    }
}
