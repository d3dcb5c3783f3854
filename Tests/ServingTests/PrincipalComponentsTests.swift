import CamsiftCore
import Testing
@testable import Serving

/// PCA (LAPACK `ssyevd_`) recovers a known basis: data built on orthogonal ±1 (Hadamard) coordinates along a
/// random orthonormal basis has that basis as its exact principal axes.
@Suite struct PrincipalComponentsTests {
    /// A random orthonormal basis of R^d (Gram–Schmidt on seeded Gaussian-ish vectors), one vector per row.
    func randomBasis(_ d: Int, seed: UInt64) -> [[Double]] {
        var rng = SeededGenerator(seed: seed)
        var basis: [[Double]] = []
        while basis.count < d {
            var v = (0..<d).map { _ in Double(rng.next() % 20_001) / 10_000 - 1 }
            for b in basis {
                let dot = zip(v, b).reduce(0) { $0 + $1.0 * $1.1 }
                v = zip(v, b).map { $0 - dot * $1 }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 1e-3 { basis.append(v.map { $0 / norm }) }
        }
        return basis
    }

    /// Row i, column j of the 8×8 Sylvester–Hadamard matrix (±1).
    func hadamard(_ i: Int, _ j: Int) -> Double { (i & j).nonzeroBitCount % 2 == 0 ? 1 : -1 }

    @Test func recoversAKnownBasis() throws {
        let d = 6, rows = 8
        let sigmas: [Double] = [5, 3, 2, 1, 0.5, 0.1]
        let basis = randomBasis(d, seed: 42)
        let mean: [Double] = [10, -4, 3, 0.5, 7, -1]
        var data = [Float]()
        for r in 0..<rows {
            var x = mean
            // Hadamard columns 1…6 are orthogonal to each other and to the all-ones column (zero mean).
            for k in 0..<d { for i in 0..<d { x[i] += sigmas[k] * hadamard(r, k + 1) * basis[k][i] } }
            data += x.map { Float($0) }
        }
        let pca = try PrincipalComponents.fit(data, rows: rows, dimensions: d, outputDimensions: 4)
        #expect(pca.componentCount == 4 && pca.outputDimensions == 4)
        for k in 0..<4 {
            let component = pca.components[(k * d)..<((k + 1) * d)].map { Double($0) }
            let cosine = zip(component, basis[k]).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(abs(abs(cosine) - 1) < 1e-4, "component \(k) · basis \(k) = \(cosine)")
            let expectedVariance = sigmas[k] * sigmas[k] * Double(rows) / Double(rows - 1)
            #expect(abs(Double(pca.variances[k]) - expectedVariance) < 1e-3 * expectedVariance)
        }
        for i in 0..<d { #expect(abs(Double(pca.mean[i]) - mean[i]) < 1e-4) }
        // Projecting row r gives its coordinates σ_k · H[r][k+1] (up to each component's sign).
        let first = pca.project(Array(data[0..<d]))
        for k in 0..<4 { #expect(abs(abs(Double(first[k])) - sigmas[k]) < 1e-3) }
        #expect(pca.project(pca.mean).allSatisfy { abs($0) < 1e-4 })
    }

    @Test func signIsDeterministicAndOutputIsZeroPadded() throws {
        var rng = SeededGenerator(seed: 5)
        let rows = 50, d = 5
        let data = (0..<(rows * d)).map { _ in Float(rng.next() % 1000) / 100 }
        let a = try PrincipalComponents.fit(data, rows: rows, dimensions: d)
        let b = try PrincipalComponents.fit(data, rows: rows, dimensions: d)
        #expect(a == b)
        #expect(a.outputDimensions == PrincipalComponents.paperDimensions && a.componentCount == d)
        let p = a.project(Array(data[0..<d]))
        #expect(p.count == 324 && p[d...].allSatisfy { $0 == 0 })
        #expect(zip(a.variances, a.variances.dropFirst()).allSatisfy { $0 >= $1 })
    }

    @Test func fitsThePapers324OfAWiderFeatureVector() throws {
        var rng = SeededGenerator(seed: 9)
        let rows = 600, d = 400
        let data = (0..<(rows * d)).map { _ in Float(rng.next() % 10_000) / 10_000 }
        let pca = try PrincipalComponents.fit(data, rows: rows, dimensions: d)
        #expect(pca.componentCount == 324)
        // Components are orthonormal.
        for (k, l) in [(0, 0), (0, 1), (17, 200), (323, 323)] {
            let dot = (0..<d).reduce(Float(0)) { $0 + pca.components[k * d + $1] * pca.components[l * d + $1] }
            #expect(abs(dot - (k == l ? 1 : 0)) < 1e-3)
        }
    }

    @Test func rejectsTooFewRows() {
        #expect(throws: (any Error).self) { try PrincipalComponents.fit([1, 2, 3], rows: 1, dimensions: 3) }
    }
}
