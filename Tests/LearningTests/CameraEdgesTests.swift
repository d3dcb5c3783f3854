import Foundation
import Testing
@testable import Learning

/// The camera graph of issue 21: nearest cameras by great-circle distance, same aggregator, shared tags.
@Suite struct CameraEdgesTests {
    @Test func haversineDistance() {
        // One degree of latitude on the 6,371 km sphere: 6,371,000 · π / 180 m.
        let d = CameraEdges.distance((0, 0), (1, 0))
        #expect(abs(d - 6_371_000 * Double.pi / 180) < 1e-6)
        // A degree of longitude shrinks with cos(latitude).
        #expect(abs(CameraEdges.distance((60, 0), (60, 1)) / d - 0.5) < 1e-3)
    }

    @Test func geographicNearestNeighbours() throws {
        let cams: [CameraEdges.Camera] = [
            .init(node: 0, latitude: 0, longitude: 0), .init(node: 1, latitude: 0, longitude: 0.01),
            .init(node: 2, latitude: 0, longitude: 0.02), .init(node: 3, latitude: 0, longitude: 1),
            .init(node: 4),  // no location: no geographic edge
        ]
        let e = CameraEdges.geographic(cams, k: 1)
        // 1 is as far from 0 as from 2: the tie goes to the lower node.
        #expect(e == [.init(0, 1), .init(1, 0), .init(2, 1), .init(3, 2)])
        let g = try PropagationGraph(nodeCount: 5, edges: CameraEdges.geographic(cams, k: 2))
        #expect(g.degree(4) == 0)
        #expect(abs(g.weightedDegree(3) - 1) < 1e-6)  // its two out-edges, nobody chose it
    }

    @Test func sharedAggregatorAndTags() throws {
        var cams = (0..<3).map { CameraEdges.Camera(node: $0, aggregator: "dot", tags: $0 == 2 ? ["bridge"] : []) }
        cams.append(.init(node: 3, tags: ["bridge", "bridge"]))
        cams.append(.init(node: 4))
        let e = CameraEdges.shared(cams)
        // Aggregator "dot": the clique 0–1, 0–2, 1–2 (weight ½: two partners each); tag "bridge": 2–3 (weight 1).
        #expect(e.count == 4)
        let g = try PropagationGraph(nodeCount: 5, edges: e)
        #expect(abs(g.weightedDegree(0) - 1) < 1e-6 && abs(g.weightedDegree(2) - 2) < 1e-6)
        #expect(g.degree(4) == 0)
        // A 40-camera aggregator: bounded degree (2 · reach), total weight 1 per member, connected.
        let big = (0..<40).map { CameraEdges.Camera(node: $0, aggregator: "big") }
        let bg = try PropagationGraph(nodeCount: 40, edges: CameraEdges.shared(big, reach: 8))
        for v in 0..<40 {
            #expect(bg.degree(v) == 16)
            #expect(abs(bg.weightedDegree(v) - 1) < 1e-5)
        }
        let imp = try IterativePropagation(graph: bg, seeds: try PropagationSeeds(nodeCount: 40, labelCount: 1, labelled: [(0, [0])]))
        imp.run(maxIterations: 10, tolerance: 0)
        #expect(imp.reachedCount == 40)
    }
}
