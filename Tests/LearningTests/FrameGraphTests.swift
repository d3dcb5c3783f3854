import Foundation
import Testing
@testable import Learning

/// A frame graph as `camsift propagate` will build it: k-NN on features plus temporal edges, then IMP.
@Suite struct FrameGraphTests {
    /// Two cameras, each a run of frames whose features drift slowly; one frame of each labelled. Temporal edges
    /// alone carry each camera's label to all its frames; the union with k-NN edges still does.
    @Test func temporalAndSimilarityEdgesCarryACamerasLabel() throws {
        let perCamera = 12
        var features: [Float] = []
        var frames: [TemporalEdges.Frame] = []
        for cam in 0..<2 {
            for f in 0..<perCamera {
                let t = Float(f) * 0.02
                features += cam == 0 ? [1, t, 0] : [0, t, 1]
                frames.append(.init(node: cam * perCamera + f, camera: "cam\(cam)", time: Double(f) * 30))
            }
        }
        let n = 2 * perCamera
        var labels = [Int](repeating: -1, count: n)
        labels[0] = 0
        labels[perCamera + perCamera - 1] = 1
        let seeds = try PropagationSeeds(nodeCount: n, labelCount: 2, singleLabels: labels)
        let temporal = TemporalEdges.edges(frames, maxGap: 60)
        #expect(temporal.count == 2 * (perCamera - 1))
        let t = try IterativePropagation(graph: try PropagationGraph(nodeCount: n, edges: temporal), seeds: seeds)
        let steps = t.run(maxIterations: 2000, tolerance: 1e-6)
        // Along a path the label travels one frame per iteration: the far end of each camera is reached at 11.
        #expect(t.firstReached[perCamera - 1] == Int32(perCamera - 1) && t.firstReached[perCamera] == Int32(perCamera - 1))
        #expect(steps.count >= perCamera - 1)
        let knn = KNNGraphBuilder.edges(try KNNGraphBuilder.neighbours(features: features, count: n, dimension: 3, k: 3))
        let both = try IterativePropagation(graph: try PropagationGraph(nodeCount: n, edges: temporal + knn), seeds: seeds)
        both.run(maxIterations: 2000, tolerance: 1e-6)
        for v in 0..<n {
            #expect(t.bestLabel(of: v) == (v < perCamera ? 0 : 1))
            #expect(both.bestLabel(of: v) == (v < perCamera ? 0 : 1))
        }
        // Similarity edges shorten the paths: everything is reached sooner than along the camera's timeline.
        #expect(both.firstReached.max()! < t.firstReached.max()!)
    }
}
