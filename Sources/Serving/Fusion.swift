import Foundation

/// The method's fusion of M0 (plain) and M1 (dynamic sampling), Eq. 3. With J0 = argmax M0(x),
/// J1 = argmax M1(x), R_c the P/N ratio of class c in the training data and threshold Tr:
/// - R_J0 > Tr and R_J1 > Tr (both say "common class") → J0, the model trained on the natural mix;
/// - R_J0 < Tr and R_J1 < Tr (both say "rare class") → J1, the model trained for the rare classes;
/// - otherwise the prediction of the model whose score for its own top class is higher.
/// (A ratio exactly equal to Tr falls in the third branch.)
public struct Fusion: Sendable, Equatable, Codable {
    /// How the models' outputs combine.
    public enum Rule: String, Sendable, Codable, CaseIterable {
        /// Eq. 3 as published.
        case eq3
        /// Eq. 3, but the third branch (the models disagree across Tr) takes the argmax of the mean of both
        /// models' probabilities instead of the more confident model (confidence is not calibrated across an
        /// M0 trained on the natural mix and an M1 trained on rebalanced draws).
        case eq3Mean = "eq3-mean"
        /// Argmax of the mean probabilities for every image (a two-model ensemble; Tr unused).
        case mean
        /// Not Eq. 3: M1's balanced-view scores moved part-way to the training prior — post-hoc logit
        /// adjustment (Menon et al. 2021, §4): label = argmax_c log p1_c + λ·log π_c, π_c = n_c / N the
        /// training share (from R_c: π_c = R_c / (1 + R_c)), λ = `priorWeight`. M1 sees class-balanced
        /// draws, so p1 estimates the balanced posterior: λ = 0 is the balanced-view Bayes decision, λ = 1
        /// the deployed-view one. With `m0Weight` w > 0, a share w of M1's evidence is replaced by M0's
        /// balanced-view evidence log p0 − log π (M0 trained on the natural mix: p0 ∝ balanced posterior × π):
        /// z = (1 − w)·log p1 + w·(log p0 − log π) + λ·log π. At w = λ this is the log-linear pool
        /// (1 − w)·log p1 + w·log p0 — the soft form of Eq. 3's "M0 for the common classes, M1 for the rare
        /// ones", with the prior carried by M0 itself. Tr unused.
        ///
        /// With a companion member E (`companionWeight` w_E > 0: a head on pretrained EfficientNet-Lite0
        /// features, trained with M1's class-balanced draws, so also a balanced-view model) M1's evidence is
        /// pooled with E's first: log p1 → (1 − w_E)·log p1 + w_E·log pE. The two balanced-view models see the
        /// image through different representations (features learnt from the archive, features pretrained on
        /// ImageNet) and err differently (docs/learning.md, point 16).
        case adjusted
    }

    public var ratios: [Double]
    public var threshold: Double
    public var rule: Rule = .eq3
    /// λ of the `.adjusted` rule (nil in bundles written before it: read as ½).
    public var priorWeight: Double?
    /// w of the `.adjusted` rule, M0's share of the balanced-view evidence (nil in bundles written before it:
    /// read as 0, M1 alone).
    public var m0Weight: Double?
    /// w_E of the `.adjusted` rule: the companion member's share of M1's balanced-view evidence (nil = 0: no
    /// companion, as in bundles written before it).
    public var companionWeight: Double?

    public init(ratios: [Double], threshold: Double, rule: Rule = .eq3, priorWeight: Double? = nil, m0Weight: Double? = nil,
                companionWeight: Double? = nil) {
        self.ratios = ratios
        self.threshold = threshold
        self.rule = rule
        self.priorWeight = priorWeight
        self.m0Weight = m0Weight
        self.companionWeight = companionWeight
    }

    /// Whether predicting needs M0's scores (every rule but `.adjusted` with w = 0).
    public var needsM0: Bool { rule != .adjusted || (m0Weight ?? 0) > 0 }

    /// Whether predicting needs the companion member's scores (`.adjusted` with w_E > 0).
    public var needsCompanion: Bool { rule == .adjusted && (companionWeight ?? 0) > 0 }

    public enum Branch: String, Sendable { case bothCommon, bothRare, higherScore, mean, adjusted }

    /// Eq. 3 (or the configured variant) for one image, given both models' class scores (probabilities) and,
    /// for an `.adjusted` rule with a companion, the companion's (`sE`; ignored by every other rule).
    public func fuse(_ s0: [Float], _ s1: [Float], _ sE: [Float]? = nil) -> (label: Int, branch: Branch) {
        if rule == .mean { return (Self.argmax(zip(s0, s1).map { $0 + $1 }), .mean) }
        if rule == .adjusted { return (Self.argmax(adjustedLogScores(s0, s1, sE)), .adjusted) }
        let j0 = Self.argmax(s0), j1 = Self.argmax(s1)
        let (r0, r1) = (ratios[j0], ratios[j1])
        if r0 > threshold && r1 > threshold { return (j0, .bothCommon) }
        if r0 < threshold && r1 < threshold { return (j1, .bothRare) }
        if rule == .eq3Mean { return (Self.argmax(zip(s0, s1).map { $0 + $1 }), .mean) }
        return s0[j0] >= s1[j1] ? (j0, .higherScore) : (j1, .higherScore)
    }

    public func fuse(scores0: [[Float]], scores1: [[Float]], scoresE: [[Float]]? = nil) -> [Int] {
        scores0.indices.map { fuse(scores0[$0], scores1[$0], scoresE?[$0]).label }
    }

    /// Training shares π_c recovered from the P/N ratios: R = n/(N − n) ⇒ n/N = R/(1 + R).
    public var priors: [Double] { ratios.map { $0.isFinite ? $0 / (1 + $0) : 1 } }

    /// (1 − w)·b_c + w·(log p0_c − log π_c) + λ·log π_c for the `.adjusted` rule, with M1's balanced-view
    /// evidence b_c = log p1_c, or (1 − w_E)·log p1_c + w_E·log pE_c when the rule has a companion weight and
    /// `sE` is given (probabilities floored at 1e-12 so a zero score stays comparable; a class absent from
    /// training, π = 0, can never win). With w = 0, `s0` is not read.
    public func adjustedLogScores(_ s0: [Float], _ s1: [Float], _ sE: [Float]? = nil) -> [Double] {
        let lambda = priorWeight ?? 0.5, w = m0Weight ?? 0, wE = sE == nil ? 0 : companionWeight ?? 0
        let logp = { (p: Float) in Foundation.log(max(Double(p), 1e-12)) }
        return priors.indices.map { c in
            let pi = priors[c]
            guard pi > 0 else { return -Double.infinity }
            let balanced0 = w > 0 ? w * (logp(s0[c]) - Foundation.log(pi)) : 0
            let balanced1 = wE > 0 ? (1 - wE) * logp(s1[c]) + wE * logp(sE![c]) : logp(s1[c])
            return (1 - w) * balanced1 + balanced0 + lambda * Foundation.log(pi)
        }
    }

    /// The `.adjusted` rule's scores renormalised into probabilities (softmax of `adjustedLogScores`).
    public func adjustedProbabilities(_ s0: [Float], _ s1: [Float], _ sE: [Float]? = nil) -> [Float] {
        let z = adjustedLogScores(s0, s1, sE)
        let m = z.max() ?? 0
        let e = z.map { Foundation.exp($0 - m) }
        let t = e.reduce(0, +)
        return e.map { Float($0 / t) }
    }

    public static func argmax(_ s: [Float]) -> Int {
        var best = 0
        for i in s.indices where s[i] > s[best] { best = i }
        return best
    }

    public static func argmax(_ s: [Double]) -> Int {
        var best = 0
        for i in s.indices where s[i] > s[best] { best = i }
        return best
    }
}
