import Foundation
import Serving

/// Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks", §4.2): one scalar T > 0
/// that divides every logit, fitted by minimising the negative log-likelihood of softmax(z / T) on held-out
/// data — our reference split, which early stopping and the fusion rule already use and the test split never
/// sees. One parameter cannot overfit a few hundred images the way a per-class scaling could, and it cannot
/// change a label (Guo et al.: "does not affect the model's accuracy"), so calibrating never costs F1.
///
/// Our networks and fusion rules produce probabilities, so the logits are z = log max(p, floor)
/// (`Temperature.logits`: equal to the true logits up to a per-row constant, which softmax ignores), the same
/// arithmetic serving scales with.
public struct TemperatureScaling: Sendable, Codable, Equatable {
    /// Where T is searched. Wide enough for any network we train (measured fits land in 0.5…3); bounded so a
    /// degenerate set cannot drive T to 0 or ∞.
    public static let range: ClosedRange<Double> = 0.05...20

    /// The fitted temperature (1 when `identifiable` is false).
    public var temperature: Double
    /// Mean negative log-likelihood on the fitting set at T = 1 and at `temperature`.
    public var nllBefore: Double
    public var nllAfter: Double
    /// False when every fitting image is classified correctly: the likelihood then keeps rising as T → 0, so
    /// the data cannot tell which sharpening is right, and T stays 1 (the scores as trained) rather than
    /// pinning every future score at 1.0 on the strength of a small error-free reference split.
    public var identifiable: Bool
    public var images: Int
    /// True when the fit weighted every class equally (`fitClassBalanced`: the balanced view); nil for an
    /// unweighted fit and in bundles from before the option.
    public var classBalanced: Bool?

    /// Fits T on `probabilities` (one row per image) against `labels`. Deterministic: golden-section search
    /// on log T over `range` (the NLL is convex in 1/T — a log-sum-exp of linear functions minus a linear one —
    /// so it is unimodal in log T and the search needs no derivative and no starting point).
    ///
    /// `weights` (one per row, ≥ 0; nil = all 1) make it a weighted likelihood: `classBalancedWeights` fits T for the
    /// balanced view, where every class counts the same however rare it is in the fitting set.
    public static func fit(probabilities: [[Float]], labels: [Int], weights: [Double]? = nil) -> TemperatureScaling {
        precondition(probabilities.count == labels.count, "one label per row")
        precondition(weights.map { $0.count == labels.count } ?? true, "one weight per row")
        let z = probabilities.map(Temperature.logits)
        let nllAt = { (t: Double) in negativeLogLikelihood(logits: z, labels: labels, temperature: t, weights: weights) }
        let before = nllAt(1)
        let errors = zip(probabilities, labels).filter { Fusion.argmax($0.0) != $0.1 }.count
        guard errors > 0 else {
            return TemperatureScaling(temperature: 1, nllBefore: before, nllAfter: before, identifiable: false,
                                      images: labels.count)
        }
        let nll = { (u: Double) in nllAt(Foundation.exp(u)) }
        var (a, b) = (Foundation.log(range.lowerBound), Foundation.log(range.upperBound))
        let r = (Foundation.sqrt(5.0) - 1) / 2
        var c = b - r * (b - a), d = a + r * (b - a)
        var fc = nll(c), fd = nll(d)
        while b - a > 1e-7 {
            if fc <= fd {
                (b, d, fd) = (d, c, fc)
                c = b - r * (b - a)
                fc = nll(c)
            } else {
                (a, c, fc) = (c, d, fd)
                d = a + r * (b - a)
                fd = nll(d)
            }
        }
        let t = Foundation.exp((a + b) / 2)
        return TemperatureScaling(temperature: t, nllBefore: before, nllAfter: nllAt(t), identifiable: true, images: labels.count)
    }

    /// The fit for the balanced view: every class of the fitting set has the same total weight.
    public static func fitClassBalanced(probabilities: [[Float]], labels: [Int]) -> TemperatureScaling {
        var result = fit(probabilities: probabilities, labels: labels, weights: classBalancedWeights(labels: labels))
        result.classBalanced = true
        return result
    }

    /// Per row 1 / (rows of its class): each class present gets the same total weight.
    public static func classBalancedWeights(labels: [Int]) -> [Double] {
        var count: [Int: Int] = [:]
        for y in labels { count[y, default: 0] += 1 }
        return labels.map { 1 / Double(count[$0]!) }
    }

    /// Mean over images of −log softmax(z_i / T)[y_i] = logsumexp(z_i / T) − z_{i,y_i} / T (Guo et al. Eq. 1's
    /// loss with logits divided by T), max-subtracted so large logits cannot overflow; with `weights`, the
    /// weighted mean Σ w_i·nll_i / Σ w_i.
    public static func negativeLogLikelihood(logits z: [[Double]], labels: [Int], temperature t: Double,
                                             weights: [Double]? = nil) -> Double {
        guard !z.isEmpty else { return 0 }
        var total = 0.0, weight = 0.0
        for (i, (row, y)) in zip(z, labels).enumerated() {
            let w = weights?[i] ?? 1
            guard w > 0 else { continue }
            let m = row.max() ?? 0
            var s = 0.0
            for v in row { s += Foundation.exp((v - m) / t) }
            total += w * (Foundation.log(s) - (row[y] - m) / t)
            weight += w
        }
        return weight > 0 ? total / weight : 0
    }
}
