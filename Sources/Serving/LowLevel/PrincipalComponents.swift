import NN

/// PCA of the concatenated low-level features, fitted on training data and stored with the detector so the
/// cheap path projects a frame exactly as training did. Yan, Chen, Shyu, Chen ("Deep Learning for Imbalanced
/// Multimedia Data Classification", §III-A) reduce their features to 324 values, reshaped to the 18 × 18 input of
/// the Table III network; `PrincipalComponents.paperDimensions` is that number.
///
/// Fitting centres the features, forms the sample covariance (`cblas_sgemm`) and takes its leading eigenvectors
/// with LAPACK `ssyevd_` (`SymmetricEigen`). Each component's sign is fixed so its largest-magnitude entry is
/// positive, so a refit on the same data gives the same projection. When the data has fewer feature dimensions
/// than requested components, the projection is zero-padded to `outputDimensions` (the network still sees
/// 18 × 18) — a deviation the paper does not need to make, since its concatenation is far longer than 324.
public struct PrincipalComponents: Sendable, Equatable {
    public static let paperDimensions = 324

    /// Feature means subtracted before projecting (`inputDimensions`).
    public var mean: [Float]
    /// `componentCount × inputDimensions`, row-major, in order of decreasing variance.
    public var components: [Float]
    /// The variance along each component (its eigenvalue).
    public var variances: [Float]
    /// Length of a projected vector (≥ the number of components; the rest is zero).
    public var outputDimensions: Int

    public var inputDimensions: Int { mean.count }
    public var componentCount: Int { variances.count }

    public init(mean: [Float], components: [Float], variances: [Float], outputDimensions: Int) throws {
        guard !mean.isEmpty, components.count == variances.count * mean.count, outputDimensions >= variances.count else {
            throw ServingError(.badModel, "PrincipalComponents: \(components.count) component values for "
                + "\(variances.count) components of \(mean.count) dimensions (output \(outputDimensions))")
        }
        self.mean = mean
        self.components = components
        self.variances = variances
        self.outputDimensions = outputDimensions
    }

    /// Fits on `rows` feature vectors of `dimensions` values each (row-major), keeping `outputDimensions`
    /// components (or all `dimensions` when fewer).
    public static func fit(_ data: [Float], rows: Int, dimensions: Int,
                           outputDimensions: Int = paperDimensions) throws -> PrincipalComponents {
        guard outputDimensions >= 1 else { throw ServingError(.badInput, "PrincipalComponents: output must be ≥ 1") }
        let (mean, covariance) = try SymmetricEigen.covariance(data, rows: rows, columns: dimensions)
        let (values, vectors) = try SymmetricEigen.decompose(covariance, n: dimensions)
        let keep = Swift.min(outputDimensions, dimensions)
        var components = [Float]()
        components.reserveCapacity(keep * dimensions)
        for k in 0..<keep {
            var row = Array(vectors[(k * dimensions)..<((k + 1) * dimensions)])
            let largest = row.indices.max { abs(row[$0]) < abs(row[$1]) }!
            if row[largest] < 0 { row = row.map { -$0 } }
            components += row
        }
        return try PrincipalComponents(mean: mean, components: components, variances: Array(values.prefix(keep)),
                                       outputDimensions: outputDimensions)
    }

    /// The projection of one feature vector: `components · (x − mean)`, zero-padded to `outputDimensions`.
    /// Centres once, then one dot product per component over raw buffers (vectorised; the cascade projects every
    /// frame, `make bench-cascade`).
    public func project(_ x: [Float]) -> [Float] {
        precondition(x.count == inputDimensions, "PrincipalComponents: \(x.count) features, fitted on \(inputDimensions)")
        let d = inputDimensions
        var centred = x
        centred.withUnsafeMutableBufferPointer { c in mean.withUnsafeBufferPointer { m in for i in 0..<d { c[i] -= m[i] } } }
        var out = [Float](repeating: 0, count: outputDimensions)
        centred.withUnsafeBufferPointer { c in
            components.withUnsafeBufferPointer { w in
                for k in 0..<componentCount {
                    let row = w.baseAddress! + k * d
                    out[k] = Self.dot(row, c.baseAddress!, d)
                }
            }
        }
        return out
    }

    /// `project(_:)` of several vectors at once, component-major: each component row is read once for the whole
    /// batch while it sits in cache (the matrix is 324 × D floats, ~2 MB at D = 1,626 — streaming it once per
    /// frame made projection memory-bound).
    public func project(batch xs: [[Float]]) -> [[Float]] {
        let d = inputDimensions
        let centred: [[Float]] = xs.map { x in
            precondition(x.count == d, "PrincipalComponents: \(x.count) features, fitted on \(d)")
            var c = x
            for i in 0..<d { c[i] -= mean[i] }
            return c
        }
        var out = [[Float]](repeating: [Float](repeating: 0, count: outputDimensions), count: xs.count)
        components.withUnsafeBufferPointer { w in
            for k in 0..<componentCount {
                let row = w.baseAddress! + k * d
                for j in 0..<centred.count {
                    out[j][k] = centred[j].withUnsafeBufferPointer { Self.dot(row, $0.baseAddress!, d) }
                }
            }
        }
        return out
    }

    /// Σ a[i]·b[i] in eight SIMD lanes (Float addition is not reassociated by the compiler on its own).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += x * y
            i += 8
        }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }
}
