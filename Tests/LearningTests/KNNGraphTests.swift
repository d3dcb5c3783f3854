import Foundation
import Testing
@testable import Learning

/// Graph building for propagation (issue 21): exact cosine k-NN by blocked GEMM against a brute-force scan, temporal
/// edges between a camera's consecutive frames.
@Suite struct KNNGraphTests {
    static func randomFeatures(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
        var s = seed
        return (0..<(n * d)).map { _ in Float(PowerLawGraph.splitMix(&s) >> 40) / Float(1 << 24) - 0.5 }
    }

    /// Blocked (small blocks, so rows and columns cross block edges) and threaded = a plain O(n² d) scan.
    @Test(arguments: [(1, 7, 16), (2, 16, 64), (3, 256, 4096)])
    func blockedKNNEqualsBruteForce(_ threads: Int, _ rowBlock: Int, _ columnBlock: Int) throws {
        let n = 300, d = 12, k = 5
        let x = Self.randomFeatures(n, d, seed: 3)
        let nb = try KNNGraphBuilder.neighbours(features: x, count: n, dimension: d, k: k, threads: threads,
                                                rowBlock: rowBlock, columnBlock: columnBlock)
        func cos(_ i: Int, _ j: Int) -> Double {
            var dot = 0.0, a = 0.0, b = 0.0
            for t in 0..<d {
                dot += Double(x[i * d + t]) * Double(x[j * d + t])
                a += Double(x[i * d + t] * x[i * d + t]); b += Double(x[j * d + t] * x[j * d + t])
            }
            return dot / (a.squareRoot() * b.squareRoot())
        }
        for i in 0..<n {
            let expected = (0..<n).filter { $0 != i }.sorted { cos(i, $0) > cos(i, $1) }.prefix(k)
            let got = nb.index[(i * k)..<((i + 1) * k)].map(Int.init)
            // Same set (order may differ only between near-equal similarities).
            #expect(Set(got) == Set(expected))
            for j in 0..<k { #expect(abs(Double(nb.similarity[i * k + j]) - cos(i, got[j])) < 1e-5) }
            for j in 1..<k { #expect(nb.similarity[i * k + j - 1] >= nb.similarity[i * k + j]) }
        }
        let edges = KNNGraphBuilder.edges(nb)
        #expect(edges.count == n * k && edges.allSatisfy { $0.weight == 1 / Float(k) && $0.from != $0.to })
    }

    /// Two tight clusters far apart: every neighbour is in the node's own cluster, and a scaled copy of a row is
    /// its nearest neighbour (cosine ignores length).
    @Test func cosineNeighboursStayInTheirCluster() throws {
        var x: [Float] = []
        for i in 0..<40 {
            let jitter = Float(i % 7) * 0.01
            x += i < 20 ? [1, jitter, 0] : [0, jitter, 1]
        }
        x += [5, 0, 0]  // node 40: 5 × node 0
        let nb = try KNNGraphBuilder.neighbours(features: x, count: 41, dimension: 3, k: 4)
        for i in 0..<40 {
            let mine = i < 20 ? (0..<20).contains : { (j: Int) in j >= 20 && j < 40 }
            #expect(nb.index[(i * 4)..<(i * 4 + 4)].allSatisfy { mine(Int($0)) || (i < 20 && $0 == 40) })
        }
        #expect(nb.similarity[40 * 4] > 0.9999 && nb.index[40 * 4] == 0)
    }

    @Test func temporalEdgesJoinConsecutiveFramesOfOneCamera() {
        let frames: [TemporalEdges.Frame] = [
            .init(node: 0, camera: "a", time: 100), .init(node: 1, camera: "b", time: 101),
            .init(node: 2, camera: "a", time: 40), .init(node: 3, camera: "a", time: 160),
            .init(node: 4, camera: "b", time: 500), .init(node: 5, camera: "a", time: 1000),
        ]
        let e = TemporalEdges.edges(frames, maxGap: 60, weight: 0.5)
        // a: 2 (40) – 0 (100) – 3 (160), then a 840 s gap; b: 101 → 500 is too far apart.
        #expect(e == [.init(2, 0, weight: 0.5), .init(0, 3, weight: 0.5)])
        #expect(TemporalEdges.edges(frames, maxGap: 1e9).count == 4)
    }
}
