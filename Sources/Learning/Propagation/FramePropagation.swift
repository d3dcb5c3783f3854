import CamsiftCore
import Foundation

/// `camsift propagate`'s frame half (issue 21): label suggestions for the archived frames by Iterative Multi-label
/// Propagation (Indyk, Kajdanowicz, Kazienko, "Relational large scale multi-label classification method for video
/// categorization") over a graph of the archive's frames.
///
/// Nodes: the labelled frames (the seeds: labels a person gave) and the daemon's archived, unlabelled frames
/// (`PropagationArchive`). Edges, each relation giving a node about 1 in total:
/// - similarity: exact cosine k-NN on EfficientNet-Lite0's 1280-d pooled features (`FeatureCache`, the backbone the
///   daemon serves or trains on; computed once per file and kept in `PropagationFeatureStore`), blocked `cblas_sgemm`
///   (`KNNGraphBuilder`), weight 1/k;
/// - time: consecutive frames of one camera at most `maxGap` seconds apart (`TemporalEdges`), weight ½ (a frame has
///   two such neighbours);
/// symmetrised W + Wᵀ (`PropagationGraph`). The number of iterations is chosen by `ValidatedStopping`.
public enum FramePropagation {
    public struct Options: Sendable {
        public var archive: String
        /// EfficientNet-Lite0 model file whose pooled features relate the frames.
        public var backbone: String
        public var k = 10
        /// The most iterations the stopping rule may pick.
        public var maxIterations = 30
        /// A frame gets a suggestion when its best label's P reaches this.
        public var threshold: Float = 0.5
        /// Longest gap (seconds) between consecutive frames of one camera that still makes a temporal edge.
        public var maxGap: Double = 300
        public var maxUnlabeled = 20_000
        public var threads = 2
        public var seed: UInt64 = 21
        public init(archive: String, backbone: String) {
            self.archive = archive
            self.backbone = backbone
        }
    }

    public struct LabelScore: Sendable, Equatable {
        public var label: String
        public var score: Double
    }

    /// A suggestion for one unlabelled frame.
    public struct Suggestion: Sendable {
        public var path: String
        public var camera: String
        public var time: Double?
        /// The suggested label (P's arg-max) and its P.
        public var label: String
        public var score: Double
        /// Every label's P, highest first.
        public var scores: [LabelScore]
        /// The iteration in which the frame was first reached (how many hops its nearest seed is away).
        public var iteration: Int
    }

    public struct Result: Sendable {
        public var classes: [String]
        /// Frames left out because they could not be read or decoded.
        public var unreadable = 0
        public var labelled = 0
        public var unlabelled = 0
        public var skippedUnlabeled = 0
        public var similarityEdges = 0
        public var temporalEdges = 0
        public var entries = 0
        public var featuresComputed = 0
        public var featuresReused = 0
        public var choice: ValidatedStopping.Choice
        public var steps: [IterativePropagation.Step] = []
        /// Unlabelled frames reached by the final run.
        public var reached = 0
        /// Highest P first.
        public var suggestions: [Suggestion] = []
    }

    /// Scans, builds the graph, chooses T, propagates, and returns the suggestions. `progress` gets one line per
    /// phase (the command prints them; the daemon logs them).
    public static func run(_ o: Options, progress: (String) -> Void = { _ in }) throws -> Result {
        guard o.k >= 1 else { throw LearningError(.badArgument, "camsift propagate: --k must be at least 1 (got \(o.k))") }
        guard o.threshold > 0, o.threshold <= 1 else {
            throw LearningError(.badArgument, "camsift propagate: --threshold must be in (0, 1] (got \(o.threshold))")
        }
        var archive = try PropagationArchive.scan(o.archive, maxUnlabeled: o.maxUnlabeled)
        guard archive.frames.count > archive.labelledCount else {
            throw LearningError(.badArchive, "camsift propagate: '\(archive.root)/unlabeled' holds no archived frame to "
                + "suggest labels for — set \"archiveFrames\": true in the config so the daemon archives frames")
        }
        progress("\(archive.labelledCount) labelled frames (\(archive.classes.count) labels), "
                 + "\(archive.frames.count - archive.labelledCount) unlabelled"
                 + (archive.skippedUnlabeled > 0 ? " (\(archive.skippedUnlabeled) older ones left out)" : ""))
        var t = Date()
        let store = try PropagationFeatureStore(archive: archive.root, backbone: o.backbone)
        let (features, dim, computed, unreadable) = try store.features(archive.frames.map(\.path), threads: o.threads)
        if !unreadable.isEmpty {
            // A torn or corrupt archived JPEG (or one removed while scanning) leaves the graph, not the run.
            let names = unreadable.prefix(3).map { archive.frames[$0].path }.joined(separator: ", ")
            progress("left out \(unreadable.count) frame(s) that cannot be read or decoded: \(names)"
                     + (unreadable.count > 3 ? ", …" : "") + " — delete or replace them")
            let drop = Set(unreadable)
            archive.frames = archive.frames.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        }
        let n = archive.frames.count
        let labelled = archive.labelledCount
        guard n > labelled, labelled > 0 else {
            throw LearningError(.badArchive, "camsift propagate: after leaving out \(unreadable.count) unreadable frame(s) "
                + "there are \(labelled) labelled and \(n - labelled) unlabelled frames; both are needed")
        }
        progress(String(format: "features: %d computed, %d reused (%d-d) in %.1f s", computed, n - computed, dim,
                        Date().timeIntervalSince(t)))
        t = Date()
        let k = min(o.k, n - 1)
        let nb = try KNNGraphBuilder.neighbours(features: features, count: n, dimension: dim, k: k, threads: o.threads)
        let similarity = KNNGraphBuilder.edges(nb)
        let timed = archive.frames.enumerated().compactMap { i, f in
            f.time.map { TemporalEdges.Frame(node: i, camera: f.camera, time: $0) }
        }
        let temporal = TemporalEdges.edges(timed, maxGap: o.maxGap, weight: 0.5)
        let graph = try PropagationGraph(nodeCount: n, edges: similarity + temporal)
        let seeds = try PropagationSeeds(nodeCount: n, labelCount: archive.classes.count) { v in
            archive.frames[v].label.map { [$0] }
        }
        let choice = try ValidatedStopping(seed: o.seed, maxIterations: o.maxIterations)
            .choose(graph: graph, seeds: seeds, threads: o.threads)
        progress(String(format: "graph: %d similarity (k = %d) + %d temporal edges, %d entries; stopping rule: T = %d "
                        + "(validation %.3f on %d held-out labelled frames) in %.1f s", similarity.count, k, temporal.count,
                        graph.entryCount, choice.iterations, choice.validationScore, choice.validationNodes.count,
                        Date().timeIntervalSince(t)))
        let imp = try IterativePropagation(graph: graph, seeds: seeds, threads: o.threads)
        let steps = imp.run(maxIterations: choice.iterations, tolerance: choice.fallback ? 1e-4 : 0) { s in
            progress(String(format: "iteration %d: reached %d of %d frames", s.iteration, s.reached, n))
        }
        var r = Result(classes: archive.classes, unreadable: unreadable.count, labelled: labelled, unlabelled: n - labelled,
                       skippedUnlabeled: archive.skippedUnlabeled, similarityEdges: similarity.count,
                       temporalEdges: temporal.count, entries: graph.entryCount, featuresComputed: computed,
                       featuresReused: n - computed, choice: choice, steps: steps)
        for (v, f) in archive.frames.enumerated() where f.label == nil {
            guard let best = imp.bestLabel(of: v) else { continue }
            r.reached += 1
            let p = imp.scores(of: v)
            guard p[best] >= o.threshold else { continue }
            let scores = p.indices.sorted { (p[$0], -$0) > (p[$1], -$1) }
                .map { LabelScore(label: archive.classes[$0], score: Double(p[$0])) }
            r.suggestions.append(Suggestion(path: f.path, camera: f.camera, time: f.time, label: archive.classes[best],
                                            score: Double(p[best]), scores: scores, iteration: Int(imp.firstReached[v])))
        }
        r.suggestions.sort { ($0.score, $1.path) > ($1.score, $0.path) }
        return r
    }
}
