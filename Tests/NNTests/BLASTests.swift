import Testing
@testable import NN

/// `BLAS.gemm`'s own paths (column blocks, sliced reductions for thin outputs) against a float64 reference,
/// with every transpose combination and a non-zero beta.
@Suite struct BLASTests {
    @Test(arguments: [(5, 9, 5000), (7, 600, 600), (3, 20, 9000)])
    func gemmMatchesReference(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = randomTensor([m * k], seed: 1), b = randomTensor([k * n], seed: 2)
            let c = randomTensor([m * n], seed: 3), start = c.array
            let lda = transA ? m : k, ldb = transB ? k : n
            BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a.pointer, lda: lda,
                      b: b.pointer, ldb: ldb, beta: 2, c: c.pointer, ldc: n)
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k {
                        let av = transA ? a.pointer[p * lda + i] : a.pointer[i * lda + p]
                        let bv = transB ? b.pointer[j * ldb + p] : b.pointer[p * ldb + j]
                        sum += Double(av) * Double(bv)
                    }
                    let expected = 0.5 * sum + 2 * Double(start[i * n + j])
                    worst = max(worst, abs(expected - Double(c.pointer[i * n + j])) / max(1, abs(expected)))
                }
            }
            #expect(worst < 1e-4, "m \(m) n \(n) k \(k) transA \(transA) transB \(transB): \(worst)")
        }
    }
}
