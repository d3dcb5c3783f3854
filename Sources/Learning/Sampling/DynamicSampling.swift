/// Algorithm 1's count update (the paper's Eq. 2), F1-based dynamic sampling.
///
/// N* = |X_train| / |C|. After iteration i, with per-class one-vs-all F1 f1_{i,j} on the reference set:
///
///     N_{i+1,j} = (1 − f1_{i,j}) / Σ_k (1 − f1_{i,k}) × |C| · N*
///
/// The paper prints "× N*" but also states that the number of samples per iteration stays the same; the
/// total is kept at |C|·N* = |X_train| (deviation documented in docs/learning.md). Additions, both the issue's:
/// - a floor (default 5% of N*) so a class that reached F1 = 1 is still drawn and not forgotten;
/// - a uniform fallback (N* each) when every class has F1 = 1, where Eq. 2 is 0/0.
/// Optional tempering (`mix` < 1) blends Eq. 2 with the uniform N* — off for the published variant.
public struct DynamicSampling: Sendable, Equatable {
    /// |X_train|: the per-iteration total.
    public var total: Int
    public var classCount: Int
    /// Floor as a fraction of N*.
    public var floorFraction: Double
    /// 1 = Eq. 2 as published; α < 1 gives α·Eq.2 + (1 − α)·N*.
    public var mix: Double

    public init(total: Int, classCount: Int, floorFraction: Double = 0.05, mix: Double = 1) {
        self.total = total
        self.classCount = classCount
        self.floorFraction = floorFraction
        self.mix = mix
    }

    /// N* = |X_train| / |C|.
    public var nStar: Double { Double(total) / Double(classCount) }

    /// The first iteration's counts: N* for every class (rounded so they sum to |X_train|).
    public var initialCounts: [Int] { Self.roundPreservingTotal([Double](repeating: nStar, count: classCount), total: total) }

    /// Real-valued N_{i+1,·} from reference F1 (before rounding).
    public func nextShares(f1: [Double]) -> [Double] {
        precondition(f1.count == classCount, "one F1 per class")
        let t = Double(total)
        let miss = f1.map { max(0, 1 - $0) }
        let sum = miss.reduce(0, +)
        var n: [Double]
        if sum <= 1e-12 {
            n = [Double](repeating: nStar, count: classCount)  // all F1 = 1: uniform fallback
        } else {
            n = miss.map { $0 / sum * t }  // Eq. 2 with the total kept at |C|·N*
        }
        if mix < 1 { n = n.map { mix * $0 + (1 - mix) * nStar } }
        return Self.applyFloor(n, floor: floorFraction * nStar, total: t)
    }

    /// Integer N_{i+1,·}, summing to |X_train| (largest-remainder rounding).
    public func nextCounts(f1: [Double]) -> [Int] {
        Self.roundPreservingTotal(nextShares(f1: f1), total: total)
    }

    /// Raises classes below `floor` to it and scales the others down so the total stays `total`
    /// (repeated until no scaled class falls below the floor).
    static func applyFloor(_ n: [Double], floor: Double, total: Double) -> [Double] {
        guard floor > 0, floor * Double(n.count) < total else { return n }
        var pinned = [Bool](repeating: false, count: n.count)
        var out = n
        while true {
            let free = n.indices.filter { !pinned[$0] }
            let freeSum = free.reduce(0.0) { $0 + n[$1] }
            let budget = total - floor * Double(n.count - free.count)
            var changed = false
            for j in free {
                out[j] = freeSum > 0 ? n[j] / freeSum * budget : budget / Double(free.count)
                if out[j] < floor { pinned[j] = true; changed = true }
            }
            for j in n.indices where pinned[j] { out[j] = floor }
            if !changed { return out }
        }
    }

    /// Largest-remainder rounding: floors, then +1 to the largest fractional parts (ties: lower class index).
    public static func roundPreservingTotal(_ x: [Double], total: Int) -> [Int] {
        var base = x.map { Int($0.rounded(.down)) }
        var rest = total - base.reduce(0, +)
        let order = x.indices.sorted {
            let (a, b) = (x[$0] - x[$0].rounded(.down), x[$1] - x[$1].rounded(.down))
            return a != b ? a > b : $0 < $1
        }
        var k = 0
        while rest > 0 && !order.isEmpty { base[order[k % order.count]] += 1; rest -= 1; k += 1 }
        while rest < 0, let j = base.indices.max(by: { base[$0] < base[$1] }) { base[j] -= 1; rest += 1 }
        return base
    }
}
