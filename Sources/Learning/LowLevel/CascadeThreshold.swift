/// The cascade's threshold (issue 20): the cheap stage settles a frame when its calibrated confidence reaches the
/// threshold, so the threshold trades the share of frames settled (coverage) against how often the settled
/// labels agree with the main model's (agreement). Chosen on the reference split as the lowest confidence whose
/// settled set still agrees on at least `target` — the most frames the target allows.
public enum CascadeThreshold {
    /// Never settles: above any probability.
    public static let never = 1.5

    /// The lowest observed confidence c such that the frames with confidence ≥ c agree on ≥ `target`
    /// (`never`, agreement 1 and coverage 0 when even the most confident frame disagrees).
    public static func choose(confidence: [Double], agrees: [Bool], target: Double)
        -> (threshold: Double, agreement: Double, coverage: Double) {
        precondition(confidence.count == agrees.count, "one agreement flag per confidence")
        let order = confidence.indices.sorted { confidence[$0] > confidence[$1] }
        var best: (Double, Double, Double) = (never, 1, 0)
        var agreed = 0
        var k = 0
        while k < order.count {
            // Frames of equal confidence are settled together.
            let c = confidence[order[k]]
            while k < order.count && confidence[order[k]] == c {
                if agrees[order[k]] { agreed += 1 }
                k += 1
            }
            let a = Double(agreed) / Double(k)
            if a >= target { best = (c, a, Double(k) / Double(order.count)) }
        }
        return best
    }

    /// Agreement of the frames at or above `threshold`, and their share.
    public static func measure(confidence: [Double], agrees: [Bool], threshold: Double) -> (agreement: Double, coverage: Double) {
        let settled = confidence.indices.filter { confidence[$0] >= threshold }
        guard !settled.isEmpty else { return (1, 0) }
        return (Double(settled.filter { agrees[$0] }.count) / Double(settled.count),
                Double(settled.count) / Double(confidence.count))
    }
}
