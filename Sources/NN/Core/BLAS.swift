import COpenBLAS

/// Row-major wrapper over `cblas_sgemm`, the engine's one entry into OpenBLAS.
///
/// OpenBLAS runs single-threaded (`NNThreads.set` pins it to 1) and large GEMMs are split along N (output columns)
/// across the engine's own worker pool instead. Measured on the 2-core box: OpenBLAS's own threads spin between
/// calls and fight the pool's threads for the second core, so a 2-thread training step ran *slower* than a
/// 1-thread one; with one pool for everything it scales. Splitting N leaves every output element's K-summation
/// to the same single-threaded kernel, so results do not depend on the thread count.
enum BLAS {
    /// Below this many multiply-adds a GEMM runs on the calling thread (a wake-up costs more than it saves).
    static let parallelThreshold = 1 << 21

    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major with leading dimensions.
    @inline(__always)
    static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        let threads = NNThreads.count
        guard threads > 1, m * n * k >= parallelThreshold, n >= 32 * threads else {
            call(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Column blocks, multiples of 16 floats (one cache line), up to 4 per thread and ≥ 128 wide: small enough
        // that a thread descheduled mid-block on a busy box leaves little for the others to wait on.
        let blocks = Swift.max(threads, Swift.min(threads * 4, n / 128))
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
