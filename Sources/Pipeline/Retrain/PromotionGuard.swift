/// Decides whether a retrained candidate replaces the serving model (issue 6): both are scored on the
/// *same* held-out split, and the candidate is promoted only if its macro F1 is not lower than the current
/// model's minus `margin` (margin 0 = "not lower"; a positive margin tolerates noise, a negative one demands
/// a real gain). With no current model, any candidate that scored is promoted.
public struct PromotionGuard: Sendable, Equatable {
    public var margin: Double

    public init(margin: Double = 0) { self.margin = margin }

    public struct Verdict: Sendable, Equatable, CustomStringConvertible {
        public var promote: Bool
        public var candidateF1: Double
        public var currentF1: Double?
        public var description: String {
            let cur = currentF1.map { String(format3($0)) } ?? "none"
            return (promote ? "promoted" : "rejected")
                + ": candidate macro F1 \(format3(candidateF1)) vs current \(cur)"
        }
    }

    public func judge(candidateF1: Double, currentF1: Double?) -> Verdict {
        guard candidateF1.isFinite else { return Verdict(promote: false, candidateF1: candidateF1, currentF1: currentF1) }
        guard let currentF1, currentF1.isFinite else { return Verdict(promote: true, candidateF1: candidateF1, currentF1: currentF1) }
        return Verdict(promote: candidateF1 >= currentF1 - margin, candidateF1: candidateF1, currentF1: currentF1)
    }
}

func format3(_ v: Double) -> String {
    let r = (v * 1000).rounded() / 1000
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < 3 { s += String(repeating: "0", count: 3 - decimals) }
    }
    return s
}
