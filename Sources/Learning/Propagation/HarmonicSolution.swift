import COpenBLAS

/// The closed-form fixed point of Iterative Multi-label Propagation (Indyk, Kajdanowicz, Kazienko, "Relational large
/// scale multi-label classification method for video categorization"), used to check `IterativePropagation`.
///
/// The paper minimises ε(f) = ½ Σ w_ij (f(i) − f(j))² with every labelled node v tied to a dummy node v′ (w_vv′ = 1,
/// f(v′) = Y_v fixed). Setting ∂ε/∂f(v) = 0 for every real node gives, per label, the harmonic system
///
///     (D + I_L − W) P = I_L Y,    D = diag(Σ_u w_uv),  I_L = diag([v ∈ V_L])
///
/// whose rows are exactly IMP's update at its fixed point, so iterating IMP long enough must land on this solution
/// (for nodes connected to some labelled node; the matrix is then non-singular on that component). Solved densely
/// in double precision with LAPACK `dgesv` (LU with partial pivoting): for test- and benchmark-sized graphs only.
public enum HarmonicSolution {
    /// P for every node, node-major (`p[v * L + ℓ]`). Nodes must all be connected to V_L (else the system is singular).
    /// `clampWeight` is the dummy nodes' w_vv′ (1 in the paper): (D + c·I_L − W) P = c·I_L Y.
    public static func solve(graph: PropagationGraph, seeds: PropagationSeeds, clampWeight: Double = 1) throws -> [Double] {
        let n = graph.nodeCount, L = seeds.labelCount
        guard n <= 5000 else {
            throw LearningError(.badArgument, "harmonic solution: \(n) nodes is too many for a dense solve (≤ 5000)")
        }
        // Column-major A = D + I_L − W (symmetric, so the layout does not matter) and B = I_L Y (n × L).
        var a = [Double](repeating: 0, count: n * n)
        var b = [Double](repeating: 0, count: n * L)
        for v in 0..<n {
            var d = 0.0
            for e in graph.rowStart[v]..<graph.rowStart[v + 1] {
                let u = Int(graph.neighbour[e]), w = Double(graph.weight[e])
                d += w
                a[u * n + v] -= w
            }
            let r = Int(seeds.row[v])
            if r >= 0 {
                d += clampWeight
                for l in 0..<L { b[l * n + v] = clampWeight * Double(seeds.y[r * L + l]) }
            }
            a[v * n + v] += d
        }
        var pivots = [Int32](repeating: 0, count: n)
        let info = camsift_dgesv(Int32(n), Int32(L), &a, &pivots, &b)
        guard info == 0 else {
            throw LearningError(.badArgument, "harmonic solution: dgesv info \(info) (a component without labelled nodes?)")
        }
        var p = [Double](repeating: 0, count: n * L)
        for v in 0..<n { for l in 0..<L { p[v * L + l] = b[l * n + v] } }
        return p
    }
}
