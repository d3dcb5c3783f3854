import CamsiftCore
import Foundation

/// `camsift propagate`'s camera half (issue 21): tag suggestions for cameras that have none, by Iterative
/// Multi-label Propagation (Indyk, Kajdanowicz, Kazienko) over the camera graph of `CameraEdges` — k nearest by
/// great-circle distance, same aggregator, shared tag — with the cameras' registry tags as the seeds (binary relevance:
/// every tag propagated on its own, a camera may get several). Suggestions go to a review file, never into the
/// registry: a person copies what is right into the camera definitions.
public enum CameraTagPropagation {
    /// A camera as the registry defines it (id and the relation fields only).
    public struct Camera: Sendable {
        public var id: String
        public var latitude: Double?
        public var longitude: Double?
        public var aggregator: String?
        public var tags: [String]
        public init(id: String, latitude: Double?, longitude: Double?, aggregator: String?, tags: [String]) {
            self.id = id
            self.latitude = latitude
            self.longitude = longitude
            self.aggregator = aggregator
            self.tags = tags
        }
    }

    public struct TagScore: Sendable, Codable, Equatable {
        public var tag: String
        public var score: Double
        /// The iteration in which the camera was first reached.
        public var iteration: Int
    }

    public struct Suggestion: Sendable, Codable, Equatable {
        public var camera: String
        public var tags: [TagScore]
    }

    public struct Result: Sendable {
        public var cameras = 0
        public var tagged = 0
        public var tags: [String] = []
        public var edges = 0
        public var iterations = 0
        public var suggestions: [Suggestion] = []
    }

    /// Propagates the tags of tagged cameras to untagged ones; a tag is suggested when its P reaches `threshold`.
    /// The stopping rule is `ValidatedStopping` (held-out tagged cameras), at most `maxIterations`.
    public static func run(_ cameras: [Camera], k: Int, maxIterations: Int, threshold: Float,
                           seed: UInt64 = 21) throws -> Result {
        var r = Result(cameras: cameras.count)
        let tags = Array(Set(cameras.flatMap(\.tags).filter { !$0.isEmpty })).sorted()
        r.tags = tags
        r.tagged = cameras.filter { !$0.tags.isEmpty }.count
        guard !tags.isEmpty, r.tagged < cameras.count, cameras.count >= 2 else { return r }
        let index = Dictionary(uniqueKeysWithValues: tags.enumerated().map { ($1, $0) })
        let nodes = cameras.enumerated().map { i, c in
            CameraEdges.Camera(node: i, latitude: c.latitude, longitude: c.longitude, aggregator: c.aggregator, tags: c.tags)
        }
        let edges = CameraEdges.geographic(nodes, k: k) + CameraEdges.shared(nodes)
        r.edges = edges.count
        let graph = try PropagationGraph(nodeCount: cameras.count, edges: edges)
        let seeds = try PropagationSeeds(nodeCount: cameras.count, labelCount: tags.count) { v in
            cameras[v].tags.isEmpty ? nil : cameras[v].tags.compactMap { index[$0] }
        }
        let choice = try ValidatedStopping(seed: seed, maxIterations: maxIterations)
            .choose(graph: graph, seeds: seeds, threads: 1)
        let imp = try IterativePropagation(graph: graph, seeds: seeds, threads: 1)
        imp.run(maxIterations: choice.iterations, tolerance: choice.fallback ? 1e-6 : 0)
        r.iterations = imp.iteration
        for (v, c) in cameras.enumerated() where c.tags.isEmpty && imp.isReached(v) {
            let p = imp.scores(of: v)
            let picked = p.indices.filter { p[$0] >= threshold }.sorted { (p[$0], -$0) > (p[$1], -$1) }
            guard !picked.isEmpty else { continue }
            r.suggestions.append(Suggestion(camera: c.id, tags: picked.map {
                TagScore(tag: tags[$0], score: (Double(p[$0]) * 1000).rounded() / 1000, iteration: Int(imp.firstReached[v]))
            }))
        }
        return r
    }

    /// The review file: `{"generated": RFC 3339, "threshold", "suggestions": [{"camera", "tags": [{"tag", "score",
    /// "iteration"}]}]}`, written atomically (`AtomicFile`), creating its directory.
    public static func writeReview(_ r: Result, threshold: Float, to path: String) throws {
        struct File: Encodable {
            var generated: String
            var note = "suggested camera tags (camsift propagate); not applied — copy the right ones into the registry"
            var threshold: Double
            var cameras: Int
            var tagged: Int
            var iterations: Int
            var suggestions: [Suggestion]
        }
        let f = File(generated: Timestamp.rfc3339(Timestamp.now()), threshold: Double(threshold), cameras: r.cameras,
                     tagged: r.tagged, iterations: r.iterations, suggestions: r.suggestions)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try AtomicFile.write(Array(try enc.encode(f)), to: path)
        } catch {
            throw LearningError(.io, "camsift propagate: cannot write the camera-tag review file '\(path)': \(error) — "
                + "check that its directory is writable or pass --camera-review FILE")
        }
    }
}
