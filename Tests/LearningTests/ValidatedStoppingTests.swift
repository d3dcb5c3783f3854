import CamsiftCore
import Foundation
import Testing
@testable import Learning

/// The adopted stopping rule of IMP (issue 21): T chosen on held-out labelled nodes, and the camera-tag half of
/// `camsift propagate` that uses it.
@Suite struct ValidatedStoppingTests {
    /// Two noisy 2-d clusters joined by their cosine k-NN graph, 40 % labelled.
    static func clusters(_ n: Int) throws -> (PropagationGraph, PropagationSeeds, [Int]) {
        var rng = SeededGenerator(seed: 5)
        var features: [Float] = []
        var truth: [Int] = []
        for i in 0..<n {
            let c = i % 2
            let a = Float.random(in: -0.9...0.9, using: &rng)
            features += c == 0 ? [1, a] : [a, 1]
            truth.append(c)
        }
        let nb = try KNNGraphBuilder.neighbours(features: features, count: n, dimension: 2, k: 4, threads: 1)
        let g = try PropagationGraph(nodeCount: n, edges: KNNGraphBuilder.edges(nb))
        let known = truth.enumerated().map { $0.offset % 5 < 2 ? $0.element : -1 }
        return (g, try PropagationSeeds(nodeCount: n, labelCount: 2, singleLabels: known), truth)
    }

    @Test func holdsOutASeededTenthOfTheLabelledNodes() throws {
        let (g, seeds, _) = try Self.clusters(200)
        let rule = ValidatedStopping(maxIterations: 20)
        let a = try rule.choose(graph: g, seeds: seeds, threads: 1)
        let b = try rule.choose(graph: g, seeds: seeds, threads: 2)
        #expect(seeds.labelledCount == 80 && a.validationNodes.count == 8)
        #expect(a.validationNodes.allSatisfy { seeds.isLabelled($0) })
        #expect(a.validationNodes == b.validationNodes && a.iterations == b.iterations)
        var other = rule
        other.seed = 99
        #expect(try other.choose(graph: g, seeds: seeds, threads: 1).validationNodes != a.validationNodes)
        #expect(!a.fallback && a.iterations >= 1 && a.iterations <= a.curve.count)
    }

    /// The curve is what an independent run with the reduced seeds scores after each iteration, and T is its first
    /// maximum (ties → the earlier iteration).
    @Test func curveIsTheValidationAccuracyAndTIsItsFirstMaximum() throws {
        let (g, seeds, _) = try Self.clusters(120)
        let choice = try ValidatedStopping(maxIterations: 15).choose(graph: g, seeds: seeds, threads: 1)
        let held = Set(choice.validationNodes)
        let reduced = try PropagationSeeds(nodeCount: 120, labelCount: 2) { v in
            seeds.isLabelled(v) && !held.contains(v) ? [Int(seeds.y[Int(seeds.row[v]) * 2 + 1])] : nil
        }
        let imp = try IterativePropagation(graph: g, seeds: reduced, threads: 1)
        for (i, expected) in choice.curve.enumerated() {
            imp.step()
            var right = 0
            for v in choice.validationNodes where imp.bestLabel(of: v) == Int(seeds.y[Int(seeds.row[v]) * 2 + 1]) { right += 1 }
            #expect(abs(Double(right) / Double(held.count) - expected) < 1e-12, "iteration \(i + 1)")
        }
        let best = choice.curve.max()!
        #expect(choice.iterations == choice.curve.firstIndex(of: best)! + 1)
        #expect(choice.validationScore == best)
    }

    /// Fully labelled cliques: every held-out node is right from iteration 1 on, so the flat curve picks T = 1.
    @Test func tiesPickTheEarlierIteration() throws {
        var edges: [PropagationGraph.Edge] = []
        for base in [0, 10] { for a in 0..<10 { for b in (a + 1)..<10 { edges.append(.init(base + a, base + b)) } } }
        let g = try PropagationGraph(nodeCount: 20, edges: edges)
        let seeds = try PropagationSeeds(nodeCount: 20, labelCount: 2, singleLabels: (0..<20).map { $0 / 10 })
        let c = try ValidatedStopping(maxIterations: 10).choose(graph: g, seeds: seeds, threads: 1)
        #expect(c.validationNodes.count == 2 && c.curve.first == 1 && c.curve.allSatisfy { $0 == 1 } && c.iterations == 1)
    }

    @Test func tooFewLabelledNodesFallBackToConvergence() throws {
        let g = try PropagationGraph(nodeCount: 3, edges: [.init(0, 1), .init(1, 2)])
        let seeds = try PropagationSeeds(nodeCount: 3, labelCount: 2, singleLabels: [0, -1, -1])
        let c = try ValidatedStopping(maxIterations: 7).choose(graph: g, seeds: seeds)
        #expect(c.fallback && c.iterations == 7 && c.validationNodes.isEmpty && c.validationScore.isNaN)
        #expect(throws: LearningError.self) { _ = try ValidatedStopping(maxIterations: 0).choose(graph: g, seeds: seeds) }
    }

    /// Two groups of cameras 500 km apart, tagged by place; the untagged camera of each group gets its group's tags
    /// (binary relevance: both of the harbour group's), and the review file says so without touching anything else.
    @Test func cameraTagsSpreadToNearbyUntaggedCameras() throws {
        var cams: [CameraTagPropagation.Camera] = []
        for i in 0..<5 {
            let d = Double(i) * 0.01
            cams.append(.init(id: "gdansk-\(i)", latitude: 54.35 + d, longitude: 18.65 + d, aggregator: nil,
                              tags: i == 4 ? [] : ["harbour", "coast"]))
            cams.append(.init(id: "zakopane-\(i)", latitude: 49.30 + d, longitude: 19.95 - d, aggregator: nil,
                              tags: i == 4 ? [] : ["mountain"]))
        }
        cams.append(.init(id: "nowhere", latitude: nil, longitude: nil, aggregator: nil, tags: []))
        let r = try CameraTagPropagation.run(cams, k: 3, maxIterations: 20, threshold: 0.5)
        #expect(r.cameras == 11 && r.tagged == 8 && r.tags == ["coast", "harbour", "mountain"])
        let byCamera = Dictionary(uniqueKeysWithValues: r.suggestions.map { ($0.camera, $0) })
        #expect(Set(byCamera["gdansk-4"]?.tags.map(\.tag) ?? []) == ["harbour", "coast"])
        #expect(byCamera["zakopane-4"]?.tags.map(\.tag) == ["mountain"])
        #expect(byCamera["gdansk-4"]!.tags.allSatisfy { $0.iteration == 1 && $0.score > 0.9 })
        #expect(byCamera["nowhere"] == nil && byCamera.count == 2)  // unreached: no edge, no suggestion

        let dir = NSTemporaryDirectory() + "camsift-camtags-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CameraTagPropagation.writeReview(r, threshold: 0.5, to: dir + "/suggestions/camera-tags.json")
        let data = try #require(FileManager.default.contents(atPath: dir + "/suggestions/camera-tags.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try #require(json["suggestions"] as? [[String: Any]])
        #expect(list.count == 2 && (json["note"] as? String)?.contains("not applied") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/suggestions") == ["camera-tags.json"])
    }

    @Test func labelledFileNamesGiveTheCaptureTime() {
        let t = Timestamp.parseRFC3339("2026-12-07T10:00:05.250Z")!
        #expect(PropagationArchive.labelledTime("20261207T100005.250Z-42.jpg") == t)
        #expect(PropagationArchive.labelledTime("2026-12-07T10-00-05.250Z.jpg") == t)
        #expect(PropagationArchive.labelledTime("cam12_000431.jpg") == nil)
    }
}
