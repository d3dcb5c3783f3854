import COpenBLAS

/// PCA for the propagation benchmark's features (issue 21: k-NN on PCA-50 pixels of Fashion-MNIST), the reduction
/// Indyk, Kajdanowicz, Kazienko ("Relational large scale multi-label classification method for video
/// categorization") leave to the feature extractor. Covariance by one `cblas_sgemm` (Xcᵀ Xc), eigenvectors by LAPACK
/// `dsyevd` in double precision; components are sign-normalised (largest-magnitude entry positive) so a run is
/// reproducible across LAPACK builds.
public struct PrincipalComponents: Sendable {
    public let dimension: Int
    public let mean: [Float]
    /// `count` rows of `dimension`, largest variance first.
    public let components: [Float]
    public let variances: [Double]
    public var count: Int { variances.count }

    /// Fits on n × d row-major `x`.
    public init(fitting x: [Float], rows n: Int, dimension d: Int, components k: Int) throws {
        guard n >= 2, d >= 1, x.count == n * d, k >= 1, k <= d else {
            throw LearningError(.badArgument, "PCA: \(x.count) floats, \(n) × \(d), \(k) components")
        }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(x[i * d + j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        let meanF = mean.map { Float($0) }
        var xc = x
        for i in 0..<n { for j in 0..<d { xc[i * d + j] -= meanF[j] } }
        var cov = [Float](repeating: 0, count: d * d)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(n), 1 / Float(n - 1),
                    xc, Int32(d), xc, Int32(d), 0, &cov, Int32(d))
        var a = cov.map { Double($0) }
        var w = [Double](repeating: 0, count: d)
        let info = camsift_dsyevd(Int32(d), &a, &w)
        guard info == 0 else { throw LearningError(.badArgument, "PCA: dsyevd info \(info)") }
        // Ascending eigenvalues; column c of `a` (column-major) is eigenvector c.
        var comps = [Float](repeating: 0, count: k * d)
        var vars = [Double](repeating: 0, count: k)
        for r in 0..<k {
            let c = d - 1 - r
            vars[r] = w[c]
            var big = 0.0
            for j in 0..<d where abs(a[c * d + j]) > abs(big) { big = a[c * d + j] }
            let sign: Double = big < 0 ? -1 : 1
            for j in 0..<d { comps[r * d + j] = Float(sign * a[c * d + j]) }
        }
        dimension = d
        self.mean = meanF
        components = comps
        variances = vars
    }

    /// n × count projections of n × dimension rows.
    public func project(_ x: [Float], rows n: Int) -> [Float] {
        var xc = x
        for i in 0..<n { for j in 0..<dimension { xc[i * dimension + j] -= mean[j] } }
        var y = [Float](repeating: 0, count: n * count)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(count), Int32(dimension), 1,
                    xc, Int32(dimension), components, Int32(dimension), 0, &y, Int32(count))
        return y
    }
}
