import Foundation

/// Temperature scaling of class probabilities (Guo et al. 2017, "On Calibration of Modern Neural Networks",
/// §4.2): q = softmax(z / T) for logits z. Our networks and fusion rules hand serving probabilities p, not
/// logits; log p equals z up to a per-row constant, which softmax ignores, so q_c ∝ exp(log p_c / T) is the same
/// scaling. T > 1 softens overconfident scores, T < 1 sharpens underconfident ones; the ranking of the
/// classes, and so every label, is unchanged (x ↦ x / T is increasing for T > 0).
///
/// Serving applies it (`BundleClassifier`); Learning fits T with the same arithmetic (`TemperatureScaling`),
/// which is why both live on this one function.
public enum Temperature {
    /// Probabilities are floored here before the log, so a zero score stays finite. Float's smallest normal
    /// value (log ≈ −87.3), not a round 1e-12: every probability a Float softmax can represent normally keeps
    /// its exact log, so scaling agrees with softmax(z / T) of the true logits (a 1e-12 floor would turn a
    /// 1e-20 score into (1e-12)^(1/T) = 1.6e-5 at T = 2.5 and take it from the top class); only underflowed
    /// scores are raised, to at most e^(−87.3/T), below anything a review console shows for T ≤ 10.
    public static let probabilityFloor = Double(Float.leastNormalMagnitude)

    /// log max(p_c, floor) for every class: the logits temperature scaling divides.
    public static func logits(_ p: [Float]) -> [Double] {
        p.map { Foundation.log(max(Double($0), probabilityFloor)) }
    }

    /// softmax(z / T) in Double, max-subtracted.
    public static func softmax(_ z: [Double], temperature t: Double) -> [Double] {
        let m = z.max() ?? 0
        let e = z.map { Foundation.exp(($0 - m) / t) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// `p` rescaled at temperature `t` (`t == 1` returns `p` unchanged, bit for bit: bundles without a fitted
    /// temperature score exactly as before).
    public static func scale(_ p: [Float], by t: Double) -> [Float] {
        guard t != 1 else { return p }
        return softmax(logits(p), temperature: t).map { Float($0) }
    }
}
