import Foundation

/// Softmax probabilities and the k best classes of a logit row.
public enum TopK {
    /// Numerically stable softmax (max-subtracted) of one row.
    public static func softmax(_ logits: UnsafeBufferPointer<Float>) -> [Float] {
        let m = logits.max() ?? 0
        var e = logits.map { expf($0 - m) }
        let s = e.reduce(0, +)
        for i in e.indices { e[i] /= s }
        return e
    }

    /// Indices of the `k` largest values, largest first (ties: lower index first).
    public static func indices(_ values: [Float], k: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(k))
    }

    /// `(class, probability)` pairs of the `k` most probable classes of each row of `logits` (`n × classes`).
    public static func labels(logits: [Float], n: Int, classes: [String], k: Int) -> [[(label: String, score: Float)]] {
        let c = classes.count
        return (0..<n).map { i in
            let p = logits.withUnsafeBufferPointer { softmax(UnsafeBufferPointer(rebasing: $0[i * c..<(i + 1) * c])) }
            return indices(p, k: k).map { (classes[$0], p[$0]) }
        }
    }
}
