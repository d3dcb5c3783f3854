/// A tensor shape of rank 1…4, stored inline so building and comparing shapes on the hot path never allocates
/// (a `[Int]` would be a heap allocation per layer per step).
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public let rank: Int
    private var d0 = 1, d1 = 1, d2 = 1, d3 = 1

    public init(_ dims: [Int]) {
        precondition((1...4).contains(dims.count), "Shape supports rank 1...4, got \(dims)")
        precondition(dims.allSatisfy { $0 >= 0 }, "negative dimension in \(dims)")
        rank = dims.count
        d0 = dims[0]
        if rank > 1 { d1 = dims[1] }
        if rank > 2 { d2 = dims[2] }
        if rank > 3 { d3 = dims[3] }
    }

    public init(arrayLiteral elements: Int...) { self.init(elements) }

    /// NCHW shape of rank 4.
    public init(n: Int, c: Int, h: Int, w: Int) {
        rank = 4
        (d0, d1, d2, d3) = (n, c, h, w)
    }

    /// Rank-2 shape `[rows, columns]` (a batch of feature vectors).
    public init(rows: Int, columns: Int) {
        rank = 2
        (d0, d1) = (rows, columns)
    }

    public subscript(_ i: Int) -> Int {
        precondition(i >= 0 && i < rank, "dimension \(i) out of range for \(self)")
        switch i {
        case 0: return d0
        case 1: return d1
        case 2: return d2
        default: return d3
        }
    }

    public var dims: [Int] { (0..<rank).map { self[$0] } }
    public var count: Int { d0 * d1 * d2 * d3 }

    /// Batch size (first dimension).
    public var n: Int { d0 }
    /// Channels (rank ≥ 2), or features of a rank-2 shape.
    public var c: Int { rank > 1 ? d1 : 1 }
    /// Height (rank 4), else 1.
    public var h: Int { rank > 2 ? d2 : 1 }
    /// Width (rank 4), else 1.
    public var w: Int { rank > 3 ? d3 : 1 }
    /// Elements per batch item.
    public var perItem: Int { count / Swift.max(d0, 1) }

    /// Row-major contiguous strides.
    public var strides: [Int] {
        var s = [Int](repeating: 1, count: rank)
        var acc = 1
        for i in stride(from: rank - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= self[i]
        }
        return s
    }

    /// The same shape with a different batch size.
    public func withBatch(_ n: Int) -> Shape {
        var copy = self
        copy.d0 = n
        return copy
    }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}
