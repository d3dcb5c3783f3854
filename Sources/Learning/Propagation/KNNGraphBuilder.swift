import COpenBLAS
import Foundation
import NN

/// The similarity relation of Iterative Multi-label Propagation (Indyk, Kajdanowicz, Kazienko, "Relational large
/// scale multi-label classification method for video categorization"): the paper relates videos that look alike;
/// camsift relates frames whose feature vectors (cached backbone features, or PCA'd pixels in the benchmark) point
/// the same way. Each node gets its k most cosine-similar other nodes.
///
/// Exact, not approximate: the n × n similarity matrix is computed in blocks with `cblas_sgemm` on unit-length rows
/// (a block of rows against a block of columns, B × C floats of scratch per thread) and a running top-k per row is
/// kept, so memory is O(n · k + threads · B · C) and the 70,000-node benchmark costs one 70,000² · 50 GEMM.
public enum KNNGraphBuilder {
    /// For each row its k nearest other rows: `index[i * k + j]`, `similarity[i * k + j]`, j = 0 the most similar;
    /// ties go to the lower index. A zero row has similarity 0 to everything.
    public struct Neighbours: Sendable {
        public var k: Int
        public var index: [Int32]
        public var similarity: [Float]
    }

    /// `features` is n × d, row-major. Runs `threads` workers (OpenBLAS itself is pinned to one thread per call).
    public static func neighbours(features: [Float], count n: Int, dimension d: Int, k: Int, threads: Int = 2,
                                  rowBlock: Int = 256, columnBlock: Int = 4096) throws -> Neighbours {
        guard n >= 2, d >= 1, features.count == n * d else {
            throw LearningError(.badArgument, "k-NN graph: \(features.count) floats is not \(n) rows × \(d)")
        }
        guard k >= 1, k < n else { throw LearningError(.badArgument, "k-NN graph: k = \(k) must be in 1..<\(n)") }
        _ = NNThreads.count  // pins OpenBLAS to one thread per call: the parallelism is ours
        // Unit rows: cosine similarity becomes a dot product.
        var x = features
        for i in 0..<n {
            var s: Float = 0
            for j in 0..<d { s += x[i * d + j] * x[i * d + j] }
            let inv: Float = s > 0 ? 1 / s.squareRoot() : 0
            for j in 0..<d { x[i * d + j] *= inv }
        }
        var index = [Int32](repeating: -1, count: n * k)
        var similarity = [Float](repeating: -.infinity, count: n * k)
        let blocks = (n + rowBlock - 1) / rowBlock
        let workers = max(1, min(threads, blocks))
        x.withUnsafeBufferPointer { xb in
            index.withUnsafeMutableBufferPointer { ib in
                similarity.withUnsafeMutableBufferPointer { sb in
                    let xp = xb.baseAddress!, ip = ib.baseAddress!, sp = sb.baseAddress!
                    NNThreads.parallelFor(workers) { worker in
                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rowBlock * columnBlock)
                        defer { scratch.deallocate() }
                        var block = worker
                        while block < blocks {
                            let r0 = block * rowBlock, rows = min(rowBlock, n - r0)
                            var c0 = 0
                            while c0 < n {
                                let cols = min(columnBlock, n - c0)
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(cols), Int32(d),
                                            1, xp + r0 * d, Int32(d), xp + c0 * d, Int32(d), 0, scratch, Int32(cols))
                                for r in 0..<rows {
                                    let i = r0 + r
                                    let top = sp + i * k, topIndex = ip + i * k
                                    let srow = scratch + r * cols
                                    for c in 0..<cols {
                                        let s = srow[c]
                                        // Strictly greater: an equal later column never displaces an earlier one.
                                        guard s > top[k - 1] else { continue }
                                        let j = c0 + c
                                        if j == i { continue }
                                        var pos = k - 1
                                        while pos > 0 && s > top[pos - 1] {
                                            top[pos] = top[pos - 1]; topIndex[pos] = topIndex[pos - 1]; pos -= 1
                                        }
                                        top[pos] = s; topIndex[pos] = Int32(j)
                                    }
                                }
                                c0 += cols
                            }
                            block += workers
                        }
                    }
                }
            }
        }
        return Neighbours(k: k, index: index, similarity: similarity)
    }

    /// The directed k-NN edges i → neighbour with weight 1/k each (the "weights normalised per node");
    /// `PropagationGraph` symmetrises them (W + Wᵀ).
    public static func edges(_ nb: Neighbours) -> [PropagationGraph.Edge] {
        let n = nb.index.count / nb.k
        var out: [PropagationGraph.Edge] = []
        out.reserveCapacity(nb.index.count)
        let w = 1 / Float(nb.k)
        for i in 0..<n {
            for j in 0..<nb.k where nb.index[i * nb.k + j] >= 0 {
                out.append(PropagationGraph.Edge(i, Int(nb.index[i * nb.k + j]), weight: w))
            }
        }
        return out
    }
}
