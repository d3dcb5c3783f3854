import Foundation

/// The relation graph G(V, E, W) of Iterative Multi-label Propagation (Indyk, Kajdanowicz, Kazienko, "Relational
/// large scale multi-label classification method for video categorization"), in compressed sparse row form: row v
/// lists every u with w_uv > 0. The paper's energy ε(f) = ½ Σ w_ij (f(i) − f(j))² is defined on an undirected graph
/// and its MapReduce job reads one adjacency list per node; CSR is that adjacency list, packed so a 5.1 M-node,
/// 20-edges-a-node graph fits one box (4 bytes of neighbour + 4 of weight per directed entry).
///
/// **Symmetrisation (a choice the paper leaves open).** Edges come in directed (a k-NN list is not symmetric) and
/// the graph is made undirected as W + Wᵀ: an edge u→v of weight w puts w on both u's row and v's row; an edge
/// given in both directions keeps both entries, so its weight adds (mutual k-nearest neighbours count twice, which
/// is what one wants of them). An undirected edge list given once per edge (the karate fixture) therefore comes out
/// with exactly its weights. Duplicate entries in a row are kept: every consumer sums over a row.
public struct PropagationGraph: Sendable {
    /// One directed input edge.
    public struct Edge: Sendable, Equatable {
        public var from: Int32
        public var to: Int32
        public var weight: Float
        public init(_ from: Int, _ to: Int, weight: Float = 1) {
            self.from = Int32(truncatingIfNeeded: from)
            self.to = Int32(truncatingIfNeeded: to)
            self.weight = weight
        }
    }

    public let nodeCount: Int
    /// `rowStart[v] ..< rowStart[v + 1]` indexes v's entries in `neighbour` and `weight`.
    public let rowStart: [Int]
    public let neighbour: [Int32]
    public let weight: [Float]

    /// Builds W + Wᵀ from directed edges. Self-loops are dropped (they would only rescale a node's own average);
    /// a weight must be finite and > 0 (a zero-weight edge would make a node "reached" with nothing to average).
    public init(nodeCount: Int, edges: [Edge]) throws {
        try self.init(nodeCount: nodeCount) { emit in
            for e in edges { try emit(Int(e.from), Int(e.to), e.weight) }
        }
    }

    /// Builds W + Wᵀ from a generator that is called twice (count, then fill) and must emit the same edges both
    /// times: the 5.1 M-node benchmark graph is generated from a seed instead of being held as an edge list too.
    public init(nodeCount: Int, generate: ((Int, Int, Float) throws -> Void) throws -> Void) throws {
        guard nodeCount > 0, nodeCount < Int(Int32.max) else {
            throw LearningError(.badArgument, "propagation graph: node count \(nodeCount) out of 1…\(Int32.max - 1)")
        }
        var degree = [Int](repeating: 0, count: nodeCount + 1)
        try generate { u, v, w in
            guard u >= 0, u < nodeCount, v >= 0, v < nodeCount else {
                throw LearningError(.badArgument, "propagation graph: edge \(u)→\(v) names a node outside 0..<\(nodeCount)")
            }
            guard w.isFinite, w > 0 else {
                throw LearningError(.badArgument, "propagation graph: edge \(u)→\(v) has weight \(w); weights must be finite and > 0")
            }
            if u == v { return }
            degree[u + 1] += 1
            degree[v + 1] += 1
        }
        for v in 0..<nodeCount { degree[v + 1] += degree[v] }
        let total = degree[nodeCount]
        var fill = Array(degree.dropLast())
        var nb = [Int32](repeating: 0, count: total)
        var wt = [Float](repeating: 0, count: total)
        try nb.withUnsafeMutableBufferPointer { nb in
            try wt.withUnsafeMutableBufferPointer { wt in
                try fill.withUnsafeMutableBufferPointer { fill in
                    var emitted = 0
                    try generate { u, v, w in
                        if u == v { return }
                        emitted += 2
                        guard emitted <= total else {
                            throw LearningError(.badArgument, "propagation graph: the generator emitted more edges on its second pass")
                        }
                        nb[fill[u]] = Int32(v); wt[fill[u]] = w; fill[u] += 1
                        nb[fill[v]] = Int32(u); wt[fill[v]] = w; fill[v] += 1
                    }
                    guard emitted == total else {
                        throw LearningError(.badArgument, "propagation graph: the generator emitted fewer edges on its second pass")
                    }
                }
            }
        }
        self.nodeCount = nodeCount
        self.rowStart = degree
        self.neighbour = nb
        self.weight = wt
    }

    /// Directed entries (twice the number of undirected edges).
    public var entryCount: Int { neighbour.count }

    /// Number of entries in v's row (its degree; a duplicated edge counts twice).
    public func degree(_ v: Int) -> Int { rowStart[v + 1] - rowStart[v] }

    /// Σ_u w_uv.
    public func weightedDegree(_ v: Int) -> Double {
        var s = 0.0
        for e in rowStart[v]..<rowStart[v + 1] { s += Double(weight[e]) }
        return s
    }

    /// `parts` contiguous node ranges with about the same number of entries each: the CSR partitions the
    /// MapReduce steps run over (a map task's cost is its entries, not its nodes, on a power-law graph).
    public func partitions(_ parts: Int) -> [Range<Int>] {
        let p = max(1, min(parts, nodeCount))
        var out: [Range<Int>] = []
        var start = 0
        for k in 1...p {
            var end = nodeCount
            if k < p {
                let goal = entryCount * k / p
                // First node whose row starts at or after the goal (binary search on rowStart).
                var lo = start, hi = nodeCount
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if rowStart[mid] < goal { lo = mid + 1 } else { hi = mid }
                }
                end = max(lo, start + 1)
                end = min(end, nodeCount - (p - k))
            }
            out.append(start..<end)
            start = end
        }
        return out
    }

    /// Reads an edge list: one `u v [w]` per line, `#` comments, ids 1-based when `oneBased` (the karate fixture).
    public static func readEdgeList(_ path: String, oneBased: Bool) throws -> [Edge] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw LearningError(.io, "cannot read edge list '\(path)'")
        }
        var edges: [Edge] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            if f.isEmpty { continue }
            guard f.count == 2 || f.count == 3, let u = Int(f[0]), let v = Int(f[1]) else {
                throw LearningError(.badArgument, "\(path):\(i + 1): expected 'u v [weight]'")
            }
            let w = f.count == 3 ? Float(f[2]) : 1
            guard let w else { throw LearningError(.badArgument, "\(path):\(i + 1): bad weight '\(f[2])'") }
            let shift = oneBased ? 1 : 0
            edges.append(Edge(u - shift, v - shift, weight: w))
        }
        return edges
    }
}
