import COpenBLAS

/// Row-major wrapper over `cblas_sgemm`, the engine's one entry into OpenBLAS.
///
/// OpenBLAS runs single-threaded (`NNThreads.set` pins it to 1) and large GEMMs are split along N (output columns)
/// across the engine's own worker pool instead. Measured on the 2-core box: OpenBLAS's own threads spin between
/// calls and fight the pool's threads for the second core, so a 2-thread training step ran *slower* than a
/// 1-thread one; with one pool for everything it scales. Splitting N leaves every output element's K-summation
/// to the same single-threaded kernel, and the blocks are fixed by the shape, so results do not depend on the
/// thread count (bit for bit).
enum BLAS {
    /// Below this many multiply-adds a GEMM runs on the calling thread (a wake-up costs more than it saves).
    static let parallelThreshold = 1 << 21
    /// Target column-block width. Measured (bench/RESULTS.md, engine part 3, 1 thread, CPU time, Cooperlake
    /// kernels): conv shapes with small K or M run at 55 % of the 1024³ peak as 2 wide blocks, 60 % at 512-column
    /// blocks and 71 % at 256 (128: 67 %) — a 256-column panel of B and of C stays in L2 between OpenBLAS's
    /// passes, while the per-block re-packing of A costs ≤ 1/256 of the block's flops.
    static let blockColumns = 256
    /// Below this many output columns a long reduction is sliced (see `gemm`).
    static let thinColumns = 32
    /// Reduction slice for thin GEMMs.
    static let reductionBlock = 1024

    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major with leading dimensions.
    @inline(__always)
    static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if n < thinColumns && k >= 4 * reductionBlock {
            // Thin outputs with a long reduction (the weight gradient of a conv with few input taps: the small
            // CNN's conv1, N = 9; a stem, N = 27): OpenBLAS runs these at 46–51 GFLOP/s as one call and at
            // 84–121 GFLOP/s in 1024-long slices of K accumulated into C (1 thread, Cooperlake, /tmp probe
            // 2026-11-23 08:57; no change for N ≥ 144). The slicing is fixed by the shape, so results stay
            // independent of the thread count.
            var p = 0
            while p < k {
                let kb = Swift.min(reductionBlock, k - p)
                call(transA, transB, m, n, kb, alpha, transA ? a + p * lda : a + p, lda,
                     transB ? b + p : b + p * ldb, ldb, p == 0 ? beta : 1, c, ldc)
                p += kb
            }
            return
        }
        // Column blocks depend on the shape only, never on the thread count: OpenBLAS rounds a block differently
        // from the whole GEMM (its small-matrix kernels take over below a size), so a thread-dependent split made
        // results differ in the last bits between 1 and 2 threads. Blocks of ~`blockColumns` (a multiple of 16
        // floats, one cache line), at least 2 from 256 columns up so two threads can share: narrow enough that a
        // thread descheduled mid-block on a busy box leaves little for the others to wait on; with one thread
        // the blocks simply run in turn.
        let blocks = Swift.min(64, Swift.max(n / blockColumns, n >= 256 ? 2 : 1))
        guard blocks >= 2, m * n * k >= parallelThreshold else {
            call(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let width = ((n + blocks - 1) / blocks + 15) / 16 * 16
        let count = (n + width - 1) / width
        NNThreads.parallelFor(count) { i in
            let n0 = i * width, nb = Swift.min(width, n - n0)
            guard nb > 0 else { return }
            call(transA, transB, m, nb, k, alpha, a, lda, transB ? b + n0 * ldb : b + n0, ldb, beta, c + n0, ldc)
        }
    }

    @inline(__always)
    private static func call(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                             _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                             _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
