import COpenBLAS

/// Eigen-decomposition of a symmetric matrix through LAPACK's `ssyevd_` (divide and conquer) from Debian's
/// OpenBLAS, and the covariance matrix that feeds it through `cblas_sgemm`. It exists for the PCA that reduces
/// the concatenated low-level features of Yan, Chen, Shyu, Chen ("Deep Learning for Imbalanced Multimedia Data
/// Classification", §III-A) to 324 values (an 18 × 18 input for the Table III network).
public enum SymmetricEigen {
    /// Eigenvalues in *descending* order and the matching unit eigenvectors, one per row (`n × n`, row-major).
    public static func decompose(_ matrix: [Float], n: Int) throws -> (values: [Float], vectors: [Float]) {
        guard n > 0, matrix.count == n * n else {
            throw NNError(code: .invalidArgument, message: "SymmetricEigen: expected \(n)×\(n) values, got \(matrix.count)")
        }
        var a = matrix
        var w = [Float](repeating: 0, count: n)
        let info = a.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in camsift_ssyevd(Int32(n), ap.baseAddress!, wp.baseAddress!) }
        }
        guard info == 0 else {
            throw NNError(code: .invalidArgument, message: "SymmetricEigen: LAPACK ssyevd failed (info \(info)) on a "
                + "\(n)×\(n) matrix; check it for NaN/inf (features of a constant image divided by 0?)")
        }
        // LAPACK returns ascending values with vector j in column j (column-major) = row j here.
        var values = [Float](), vectors = [Float]()
        values.reserveCapacity(n)
        vectors.reserveCapacity(n * n)
        for j in stride(from: n - 1, through: 0, by: -1) {
            values.append(w[j])
            vectors += a[(j * n)..<((j + 1) * n)]
        }
        return (values, vectors)
    }

    /// Column means and the `d × d` sample covariance (divided by `rows − 1`) of a row-major `rows × d` matrix.
    public static func covariance(_ data: [Float], rows: Int, columns d: Int) throws -> (mean: [Float], covariance: [Float]) {
        guard rows >= 2, d > 0, data.count == rows * d else {
            throw NNError(code: .invalidArgument,
                message: "SymmetricEigen.covariance: need ≥ 2 rows of \(d) values, got \(data.count) values")
        }
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<rows { for c in 0..<d { mean[c] += Double(data[r * d + c]) } }
        for c in 0..<d { mean[c] /= Double(rows) }
        var centred = data
        for r in 0..<rows { for c in 0..<d { centred[r * d + c] -= Float(mean[c]) } }
        var cov = [Float](repeating: 0, count: d * d)
        centred.withUnsafeBufferPointer { x in
            cov.withUnsafeMutableBufferPointer { cp in
                BLAS.gemm(transA: true, m: d, n: d, k: rows, alpha: 1 / Float(rows - 1), a: x.baseAddress!, lda: d,
                          b: x.baseAddress!, ldb: d, beta: 0, c: cp.baseAddress!, ldc: d)
            }
        }
        return (mean.map { Float($0) }, cov)
    }
}
