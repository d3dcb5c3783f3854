import Foundation

/// The cascade's threshold (issue 20): the cheap stage settles a frame when its calibrated confidence reaches the
/// threshold, so the threshold trades the share of frames settled (coverage) against how often the settled
/// labels agree with the main model's (agreement).
///
/// The raw agreement of the few most confident frames of a small split says little: the first rule (the lowest
/// confidence whose settled frames agreed on ≥ target) was fitted on 14 frames that all agreed and held 0.877 on
/// new footage (bench/RESULTS.md, cascade). The rule is therefore a bound: the lowest confidence c at which the
/// one-sided Wilson score lower bound (Wilson 1927) of the agreement of the frames with confidence ≥ c, at the
/// given confidence level, still reaches the target. With every settled frame agreeing, the bound reaches 0.98
/// at the 95 % level from 133 frames (n / (n + z²) with z = 1.645), so a small split settles nothing rather than
/// guessing. Level ½ (z = 0) is the raw agreement, the first rule. The scan over thresholds is not corrected for
/// multiplicity; the benchmark checks agreement on footage the threshold never saw.
public enum CascadeThreshold {
    /// Never settles: above any probability.
    public static let never = 1.5
    /// Confidence level of the bound by default.
    public static let defaultLevel = 0.95

    public struct Choice: Sendable, Equatable {
        public var threshold: Double
        /// Raw agreement of the settled frames (1 when none are settled).
        public var agreement: Double
        /// Its Wilson lower bound at the level (0 when none are settled).
        public var lowerBound: Double
        public var coverage: Double
        public var settled: Int
    }

    /// The lowest observed confidence c such that the Wilson lower bound at `level` of the agreement of the frames
    /// with confidence ≥ c reaches `target` (`never`, coverage 0, when no c does). Frames of equal confidence are
    /// settled together.
    public static func choose(confidence: [Double], agrees: [Bool], target: Double, level: Double = defaultLevel) -> Choice {
        precondition(confidence.count == agrees.count, "one agreement flag per confidence")
        let z = normalQuantile(level)
        let order = confidence.indices.sorted { confidence[$0] > confidence[$1] }
        var best = Choice(threshold: never, agreement: 1, lowerBound: 0, coverage: 0, settled: 0)
        var agreed = 0
        var k = 0
        while k < order.count {
            let c = confidence[order[k]]
            while k < order.count && confidence[order[k]] == c {
                if agrees[order[k]] { agreed += 1 }
                k += 1
            }
            let bound = wilsonLowerBound(successes: agreed, trials: k, z: z)
            if bound >= target {
                best = Choice(threshold: c, agreement: Double(agreed) / Double(k), lowerBound: bound,
                              coverage: Double(k) / Double(order.count), settled: k)
            }
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

    /// The Wilson score interval's lower end for `successes` of `trials` at normal quantile `z`:
    /// (p̂ + z²/2n − z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n); 0 for no trials.
    public static func wilsonLowerBound(successes: Int, trials: Int, z: Double) -> Double {
        guard trials > 0 else { return 0 }
        let n = Double(trials), p = Double(successes) / n, z2 = z * z
        let centre = p + z2 / (2 * n)
        let spread = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return max(0, (centre - spread) / (1 + z2 / n))
    }

    /// Φ⁻¹(level) for level in [½, 1): bisection on Φ(z) = ½·erfc(−z/√2) (60 halvings of [0, 10]).
    public static func normalQuantile(_ level: Double) -> Double {
        precondition(level >= 0.5 && level < 1, "a one-sided confidence level in [0.5, 1)")
        var lo = 0.0, hi = 10.0
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if 0.5 * erfc(-mid / 2.0.squareRoot()) < level { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}
