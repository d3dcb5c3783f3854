/// The method's fusion of M0 (plain) and M1 (dynamic sampling), Eq. 3. With J0 = argmax M0(x),
/// J1 = argmax M1(x), R_c the P/N ratio of class c in the training data and threshold Tr:
/// - R_J0 > Tr and R_J1 > Tr (both say "common class") → J0, the model trained on the natural mix;
/// - R_J0 < Tr and R_J1 < Tr (both say "rare class") → J1, the model trained for the rare classes;
/// - otherwise the prediction of the model whose score for its own top class is higher.
/// (A ratio exactly equal to Tr falls in the third branch.)
public struct Fusion: Sendable, Equatable, Codable {
    public var ratios: [Double]
    public var threshold: Double

    public init(ratios: [Double], threshold: Double) {
        self.ratios = ratios
        self.threshold = threshold
    }

    public enum Branch: String, Sendable { case bothCommon, bothRare, higherScore }

    /// Eq. 3 for one image, given both models' class scores (probabilities).
    public func fuse(_ s0: [Float], _ s1: [Float]) -> (label: Int, branch: Branch) {
        let j0 = Self.argmax(s0), j1 = Self.argmax(s1)
        let (r0, r1) = (ratios[j0], ratios[j1])
        if r0 > threshold && r1 > threshold { return (j0, .bothCommon) }
        if r0 < threshold && r1 < threshold { return (j1, .bothRare) }
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

    /// Picks Tr maximising macro F1 on the reference set (ties: the smaller Tr).
    public static func chooseThreshold(ratios: [Double], scores0: [[Float]], scores1: [[Float]],
                                       truth: [Int]) -> (threshold: Double, referenceMacroF1: Double) {
        var best = (threshold: 0.3, referenceMacroF1: -1.0)
        for t in candidateThresholds(ratios: ratios) {
            let pred = Fusion(ratios: ratios, threshold: t).fuse(scores0: scores0, scores1: scores1)
            let f = ClassificationMetrics(truth: truth, predicted: pred, classCount: ratios.count).macroF1
            if f > best.referenceMacroF1 + 1e-12 { best = (t, f) }
        }
        return best
    }

    public static func argmax(_ s: [Float]) -> Int {
        var best = 0
        for i in s.indices where s[i] > s[best] { best = i }
        return best
    }
}
