import Foundation
import Testing
@testable import Learning

/// Iterative Multi-label Propagation (issue 21) on graphs small enough to check by hand, and on Zachary's karate
/// club against the closed-form harmonic solution.
@Suite struct PropagationTests {
    static var karatePath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tests/fixtures/karate-club.edges").path
    }

    static func path(_ n: Int) throws -> PropagationGraph {
        try PropagationGraph(nodeCount: n, edges: (0..<(n - 1)).map { PropagationGraph.Edge($0, $0 + 1) })
    }

    @Test func symmetrisationIsWPlusWTransposed() throws {
        // 0→1 (2), 1→0 (3): both rows get both entries (5 in total); 1→2 once: weight 1 on both rows; 2→2 dropped.
        let g = try PropagationGraph(nodeCount: 3, edges: [.init(0, 1, weight: 2), .init(1, 0, weight: 3), .init(1, 2), .init(2, 2)])
        #expect(g.weightedDegree(0) == 5)
        #expect(g.weightedDegree(1) == 6)
        #expect(g.weightedDegree(2) == 1)
        #expect(g.entryCount == 6)
        #expect(throws: LearningError.self) { try PropagationGraph(nodeCount: 2, edges: [.init(0, 1, weight: 0)]) }
        #expect(throws: LearningError.self) { try PropagationGraph(nodeCount: 2, edges: [.init(0, 2)]) }
    }

    @Test func partitionsCoverEveryNodeOnce() throws {
        let g = try PowerLawGraph.make(nodeCount: 1000, outEdges: 5)
        for parts in [1, 2, 3, 7] {
            let r = g.partitions(parts)
            #expect(r.count == parts)
            #expect(r.first?.lowerBound == 0 && r.last?.upperBound == 1000)
            for (a, b) in zip(r, r.dropFirst()) { #expect(a.upperBound == b.lowerBound && !a.isEmpty) }
        }
    }

    @Test func karateFixtureIsZacharysGraph() throws {
        let edges = try PropagationGraph.readEdgeList(Self.karatePath, oneBased: true)
        #expect(edges.count == 78)
        #expect(Set(edges.map { [min($0.from, $0.to), max($0.from, $0.to)] }).count == 78)
        let g = try PropagationGraph(nodeCount: 34, edges: edges)
        #expect((0..<34).map(g.degree).reduce(0, +) == 156)
        #expect(g.degree(33) == 17)
        #expect(g.degree(0) == 16)
        #expect(g.degree(32) == 12)
    }

    /// Path 0–1–2–3, node 0 labelled ℓ0, node 3 labelled ℓ1: every value below follows from the update rule by hand.
    @Test func pathByHand() throws {
        let g = try Self.path(4)
        let seeds = try PropagationSeeds(nodeCount: 4, labelCount: 2, singleLabels: [0, -1, -1, 1])
        let imp = try IterativePropagation(graph: g, seeds: seeds)
        let s1 = imp.step()
        // Only reached neighbours count: node 1 hears only node 0, node 0 hears nobody (1 was unreached) + its dummy.
        #expect(imp.scores(of: 1) == [1, 0])
        #expect(imp.scores(of: 2) == [0, 1])
        #expect(imp.scores(of: 0) == [1, 0])
        #expect(s1.newlyReached == 2 && s1.reached == 4)
        imp.step()
        #expect(imp.scores(of: 1) == [0.5, 0.5])  // (P0 + P2) / 2
        #expect(imp.scores(of: 0) == [1, 0])      // (P1 + Y0) / (1 + 1)
        imp.step()
        #expect(imp.scores(of: 0) == [0.75, 0.25])  // (P1 = (½, ½) + Y0) / 2
        #expect(imp.scores(of: 1) == [0.75, 0.25])  // (P0 = (1, 0) + P2 = (½, ½)) / 2
        #expect(imp.firstReached == [0, 1, 1, 0])
    }

    /// Star: labelled centre (ℓ0) among three labelled leaves (ℓ1). The dummy node clamps softly:
    /// centre = (3 · 0 + 1) / (3 + 1) on ℓ0, each leaf = (1 + 0) / (1 + 1).
    @Test func clampingThroughTheDummyNode() throws {
        let g = try PropagationGraph(nodeCount: 4, edges: [.init(0, 1), .init(0, 2), .init(0, 3)])
        let imp = try IterativePropagation(graph: g, seeds: try PropagationSeeds(nodeCount: 4, labelCount: 2, singleLabels: [0, 1, 1, 1]))
        imp.step()
        #expect(imp.scores(of: 0) == [0.25, 0.75])
        for leaf in 1...3 { #expect(imp.scores(of: leaf) == [0.5, 0.5]) }
        // Converged, the centre stays closer to its own label than an unlabelled centre would (which is pure ℓ1).
        imp.run(maxIterations: 500, tolerance: 1e-7)
        let unlabelled = try IterativePropagation(graph: g, seeds: try PropagationSeeds(nodeCount: 4, labelCount: 2, singleLabels: [-1, 1, 1, 1]))
        unlabelled.run(maxIterations: 500, tolerance: 1e-7)
        #expect(imp.scores(of: 0)[0] > 0.1)
        #expect(unlabelled.scores(of: 0)[0] == 0)
    }

    /// Binary relevance: propagating a multi-label Y at once gives, label by label, what propagating that label alone does.
    @Test func binaryRelevance() throws {
        let g = try PowerLawGraph.make(nodeCount: 300, outEdges: 3, seed: 4)
        let labelled: [(node: Int, labels: [Int])] = [(0, [0, 1]), (17, [1]), (99, [2]), (150, []), (299, [0, 2])]
        let joint = try IterativePropagation(graph: g, seeds: try PropagationSeeds(nodeCount: 300, labelCount: 3, labelled: labelled))
        joint.run(maxIterations: 12, tolerance: 0)
        for l in 0..<3 {
            let alone = try IterativePropagation(graph: g, seeds: try PropagationSeeds(
                nodeCount: 300, labelCount: 1, labelled: labelled.map { ($0.node, $0.labels.contains(l) ? [0] : []) }))
            alone.run(maxIterations: 12, tolerance: 0)
            for v in 0..<300 { #expect(joint.scores(of: v)[l] == alone.scores(of: v)[0]) }
        }
        // Multi-label suggestion: a node next to only {0, 1}-labelled node 0 gets both labels.
        let a = try PropagationGraph(nodeCount: 2, edges: [.init(0, 1)])
        let imp = try IterativePropagation(graph: a, seeds: try PropagationSeeds(nodeCount: 2, labelCount: 3, labelled: [(0, [0, 1])]))
        imp.step()
        #expect(imp.labels(of: 1) == [0, 1])
    }

    /// The reached set grows exactly one hop per iteration; a component without labels is never reached.
    @Test func reachedSetGrowsOneHopPerIteration() throws {
        var edges = (0..<5).map { PropagationGraph.Edge($0, $0 + 1) }  // path 0…5
        edges.append(.init(6, 7))                                       // separate component
        let g = try PropagationGraph(nodeCount: 8, edges: edges)
        let imp = try IterativePropagation(graph: g, seeds: try PropagationSeeds(nodeCount: 8, labelCount: 1, singleLabels: [0, -1, -1, -1, -1, -1, -1, -1]))
        for t in 1...5 {
            let s = imp.step()
            #expect(s.newlyReached == 1 && s.reached == t + 1)
            #expect(imp.isReached(t))
            if t < 5 { #expect(!imp.isReached(t + 1)) }
        }
        let steps = imp.run(maxIterations: 200, tolerance: 1e-9)
        #expect(steps.last!.newlyReached == 0)
        #expect(imp.firstReached == [0, 1, 2, 3, 4, 5, -1, -1])
        #expect(imp.labels(of: 6).isEmpty && imp.bestLabel(of: 7) == nil)
    }

    /// Two, three or five map/reduce tasks give the one-task result (sums regrouped: float rounding only).
    @Test func partitionCountDoesNotChangeTheResult() throws {
        let g = try PowerLawGraph.make(nodeCount: 2000, outEdges: 4, seed: 9)
        let labels = (0..<2000).map { $0 % 3 == 0 ? $0 % 4 : -1 }
        let seeds = try PropagationSeeds(nodeCount: 2000, labelCount: 4, singleLabels: labels)
        let one = try IterativePropagation(graph: g, seeds: seeds, threads: 1)
        one.run(maxIterations: 10, tolerance: 0)
        for threads in [2, 3, 5] {
            let many = try IterativePropagation(graph: g, seeds: seeds, threads: threads)
            many.run(maxIterations: 10, tolerance: 0)
            #expect(many.firstReached == one.firstReached)
            let diff = zip(many.p, one.p).map { abs($0 - $1) }.max() ?? 0
            #expect(diff < 1e-6)
        }
    }

    /// Karate club, member 1 labelled ℓ0 and member 34 labelled ℓ1: IMP converges to (D + I_L − W) P = I_L Y.
    @Test func karateMatchesTheHarmonicSolution() throws {
        let g = try PropagationGraph(nodeCount: 34, edges: try PropagationGraph.readEdgeList(Self.karatePath, oneBased: true))
        var labels = [Int](repeating: -1, count: 34)
        labels[0] = 0
        labels[33] = 1
        let seeds = try PropagationSeeds(nodeCount: 34, labelCount: 2, singleLabels: labels)
        let exact = try HarmonicSolution.solve(graph: g, seeds: seeds)
        // The solution satisfies its own equations (residual of every row).
        for v in 0..<34 {
            for l in 0..<2 {
                var s = 0.0
                for e in g.rowStart[v]..<g.rowStart[v + 1] { s += Double(g.weight[e]) * exact[Int(g.neighbour[e]) * 2 + l] }
                let clamp = labels[v] >= 0 ? 1.0 : 0.0
                let y = labels[v] == l ? 1.0 : 0.0
                #expect(abs((s + clamp * y) / (g.weightedDegree(v) + clamp) - exact[v * 2 + l]) < 1e-12)
            }
        }
        let imp = try IterativePropagation(graph: g, seeds: seeds)
        let steps = imp.run(maxIterations: 5000, tolerance: 1e-7)
        #expect(steps.count < 5000)
        let err = (0..<68).map { abs(Double(imp.p[$0]) - exact[$0]) }.max()!
        #expect(err < 1e-5)
        // A heavier dummy node (w_vv′ = 3) moves the fixed point, and IMP still lands on (D + 3·I_L − W) P = 3·I_L Y.
        let hard = try HarmonicSolution.solve(graph: g, seeds: seeds, clampWeight: 3)
        #expect(abs(hard[1 * 2] - exact[1 * 2]) > 1e-3)
        let heavy = try IterativePropagation(graph: g, seeds: seeds, clampWeight: 3)
        heavy.run(maxIterations: 5000, tolerance: 1e-7)
        #expect((0..<68).map { abs(Double(heavy.p[$0]) - hard[$0]) }.max()! < 1e-5)
        // The two factions: 1's side leans ℓ0, 34's side ℓ1 (e.g. members 2 and 33).
        #expect(imp.bestLabel(of: 1) == 0 && imp.bestLabel(of: 32) == 1)
    }
}
