/// Class counts and the method's P/N ratio per class: positives / negatives in one-vs-all terms,
/// R_c = n_c / (N − n_c). Eq. 3 compares these ratios against the threshold Tr.
public struct ClassStatistics: Sendable, Equatable, Codable {
    public var counts: [Int]

    public init(counts: [Int]) { self.counts = counts }

    public init(labels: [Int], classCount: Int) {
        var c = [Int](repeating: 0, count: classCount)
        for l in labels { c[l] += 1 }
        counts = c
    }

    public var total: Int { counts.reduce(0, +) }

    /// R_c = positives / negatives. A class that is every image has ratio +∞.
    public var positiveNegativeRatios: [Double] {
        let n = total
        return counts.map { n - $0 == 0 ? .infinity : Double($0) / Double(n - $0) }
    }

    /// Each class's share of all images.
    public var shares: [Double] {
        let n = Double(max(total, 1))
        return counts.map { Double($0) / n }
    }

    /// Inverse-frequency loss weights w_c = N / (|C| · n_c) (mean 1 over training samples); a class without
    /// images gets 0 (it cannot be in a batch anyway).
    public var inverseFrequencyWeights: [Float] {
        let n = Double(total)
        let k = Double(counts.count)
        return counts.map { $0 == 0 ? 0 : Float(n / (k * Double($0))) }
    }
}
