import Foundation

/// The synthetic graph of the propagation scale benchmark: the paper (Indyk, Kajdanowicz, Kazienko, "Relational large
/// scale multi-label classification method for video categorization") ran IMP on 5.1 million videos; their relation
/// graph is not published, so this one has the same size, 20 out-edges per node and a power-law in-degree.
///
/// Node u's j-th target is ⌊n · r^β⌋ for r uniform in [0, 1) (density ∝ x^(1/β − 1): rank-degree exponent 1 − 1/β,
/// so the default β = 2 gives P(deg ≥ k) ∝ k^(−2), the degree exponent 3 of Barabási–Albert graphs), scattered
/// over the ids by a fixed affine permutation so hubs are not all at the front. Each node's edges come from its own SplitMix64 stream keyed by (seed, u):
/// the graph can be generated twice (count, fill) without being stored as an edge list.
public enum PowerLawGraph {
    public static func make(nodeCount n: Int, outEdges m: Int, beta: Double = 2, seed: UInt64 = 21) throws -> PropagationGraph {
        guard n >= 2, m >= 1 else { throw LearningError(.badArgument, "power-law graph: \(n) nodes, \(m) out-edges") }
        let w = 1 / Float(m)
        // Multiplier coprime with n (any prime not dividing n).
        var a = 2_654_435_761 % n
        while a < 2 || gcd(a, n) != 1 { a += 1 }
        let shift = n / 3
        return try PropagationGraph(nodeCount: n) { emit in
            for u in 0..<n {
                var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(u)
                for _ in 0..<m {
                    let r = Double(splitMix(&state) >> 11) * 0x1.0p-53
                    let rank = min(n - 1, Int(Double(n) * Foundation.pow(r, beta)))
                    var v = (rank * a + shift) % n
                    if v == u { v = (v + 1) % n }
                    try emit(u, v, w)
                }
            }
        }
    }

    static func splitMix(_ s: inout UInt64) -> UInt64 {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
