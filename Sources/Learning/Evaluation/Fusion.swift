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
    }

    /// What Tr maximises on the reference set.
    public enum Objective: String, Sendable, Codable, CaseIterable {
        /// Reference macro F1 (the method's "Avg. F1").
        case macroF1 = "macro"
        /// Mean of reference macro F1 and reference accuracy: the reference split has the archive's class
        /// mix, so its accuracy stands for the deployed view, and macro F1 for the rare classes.
        case mixed
    }

    public var ratios: [Double]
    public var threshold: Double
    public var rule: Rule = .eq3

    public init(ratios: [Double], threshold: Double, rule: Rule = .eq3) {
        self.ratios = ratios
        self.threshold = threshold
        self.rule = rule
    }

    public enum Branch: String, Sendable { case bothCommon, bothRare, higherScore, mean }

    /// Eq. 3 (or the configured variant) for one image, given both models' class scores (probabilities).
    public func fuse(_ s0: [Float], _ s1: [Float]) -> (label: Int, branch: Branch) {
        if rule == .mean { return (Self.argmax(zip(s0, s1).map { $0 + $1 }), .mean) }
        let j0 = Self.argmax(s0), j1 = Self.argmax(s1)
        let (r0, r1) = (ratios[j0], ratios[j1])
        if r0 > threshold && r1 > threshold { return (j0, .bothCommon) }
        if r0 < threshold && r1 < threshold { return (j1, .bothRare) }
        if rule == .eq3Mean { return (Self.argmax(zip(s0, s1).map { $0 + $1 }), .mean) }
        return s0[j0] >= s1[j1] ? (j0, .higherScore) : (j1, .higherScore)
    }

    public func fuse(scores0: [[Float]], scores1: [[Float]]) -> [Int] {
        zip(scores0, scores1).map { fuse($0, $1).label }
    }

    /// Candidate thresholds from the observed ratios: below the smallest, each midpoint between
    /// neighbouring distinct ratios, and above the largest (so every partition of classes into rare/common
    /// is tried once; Tr = 0.3 from the source study is one such partition on its data).
    public static func candidateThresholds(ratios: [Double]) -> [Double] {
        let r = Array(Set(ratios.filter { $0.isFinite })).sorted()
        guard let lo = r.first, let hi = r.last else { return [0.3] }
        var c = [lo / 2]
        for k in 1..<max(r.count, 1) where r.count > 1 { c.append((r[k - 1] + r[k]) / 2) }
        c.append(hi * 2)
        return c
    }

    /// Picks Tr maximising `objective` on the reference set (ties: the smaller Tr). Returns the reference
    /// macro F1 at that Tr.
    public static func chooseThreshold(ratios: [Double], scores0: [[Float]], scores1: [[Float]], truth: [Int],
                                       rule: Rule = .eq3, objective: Objective = .macroF1)
        -> (threshold: Double, referenceMacroF1: Double) {
        var best = (threshold: 0.3, referenceMacroF1: -1.0)
        var bestScore = -1.0
        for t in candidateThresholds(ratios: ratios) {
            let pred = Fusion(ratios: ratios, threshold: t, rule: rule).fuse(scores0: scores0, scores1: scores1)
            let m = ClassificationMetrics(truth: truth, predicted: pred, classCount: ratios.count)
            let score = objective == .macroF1 ? m.macroF1 : (m.macroF1 + m.accuracy) / 2
            if score > bestScore + 1e-12 { bestScore = score; best = (t, m.macroF1) }
        }
        return best
    }

    public static func argmax(_ s: [Float]) -> Int {
        var best = 0
        for i in s.indices where s[i] > s[best] { best = i }
        return best
    }
}
