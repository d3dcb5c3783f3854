import CamsiftCore
import Foundation
import Labels
import Learning
import Pipeline
import Registry

/// `camsift propagate`: label suggestions by Iterative Multi-label Propagation (issue 21; Indyk, Kajdanowicz,
/// Kazienko). Frames: the archive's labelled frames are the seeds, its archived frames (`unlabeled/`) get suggestions,
/// which go to the review queue marked "suggested" for a person to confirm. Cameras: the registry's tags are the
/// seeds, untagged cameras get tag suggestions in a review file (`STATE/suggestions/camera-tags.json`), never in the
/// registry. The daemon runs the same `perform` from the console and after labels change (`propagateAfterLabels`).
enum PropagateCommand: CamsiftCommand {
    static let name = "propagate"
    static let abstract = "suggest labels for archived frames and tags for cameras by label propagation"
    static let options: [OptionSpec] = [
        .configPath("archive", "DIR", "the labelled archive (ARCHIVE/<label>/…; archived frames in ARCHIVE/unlabeled/)",
                    default: CamsiftConfig().archive),
        .configPath("cameras", "DIR", "the camera registry (tags, location, aggregator)", default: CamsiftConfig().cameras),
        .configPath("state", "DIR", "state directory; the camera-tag review file is STATE/suggestions/camera-tags.json",
                    default: CamsiftConfig().state),
        .configPath("models", "DIR", "models directory, where the ImageNet EfficientNet-Lite0 is looked up",
                    default: CamsiftConfig().models),
        .value("backbone", "FILE.csm", "EfficientNet-Lite0 model file whose features relate frames",
               default: "$CAMSIFT_EFFNET, else the daemon's ImageNet model in MODELS (imagenet.csm)"),
        .value("k", "K", "nearest neighbours per frame (cosine on features) and per camera (distance)",
               default: "\(Plan.defaultK)"),
        .value("iterations", "N", "the most iterations; the number run is chosen on held-out labelled frames",
               default: "\(Plan.defaultIterations)"),
        .value("threshold", "P", "suggest a label (tag) when its propagated score reaches P (0 < P ≤ 1)",
               default: "\(Plan.defaultThreshold)"),
        .value("max-suggestions", "N", "most frame suggestions queued per run", default: "\(Plan.defaultMaxSuggestions)"),
        .value("camera-review", "FILE", "where the camera-tag suggestions are written",
               default: "STATE/suggestions/camera-tags.json"),
        .flag("frames-only", "skip the camera graph"),
        .flag("cameras-only", "skip the frame graph"),
        .config("for archive, cameras, state and models"),
    ]

    /// One run's inputs (the command's flags, or the daemon's config).
    struct Plan: Sendable {
        static let defaultK = 10
        static let defaultIterations = 30
        static let defaultThreshold: Float = 0.5
        static let defaultMaxSuggestions = 500
        var archive: String
        var cameras: String
        var cameraReview: String
        var backbone: String?
        var k = defaultK
        var iterations = defaultIterations
        var threshold = defaultThreshold
        var maxSuggestions = defaultMaxSuggestions
        var threads = 2
        var frames = true
        var cameraTags = true

        init(config: CamsiftConfig) {
            archive = config.archive
            cameras = config.cameras
            cameraReview = config.state + "/suggestions/camera-tags.json"
            backbone = ProcessInfo.processInfo.environment["CAMSIFT_EFFNET"] ?? ModelLoader.imagenetPath(modelsDir: config.models)
            threads = max(1, config.computeThreads)
        }
    }

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard a.positionals.isEmpty else { throw UsageError("unexpected argument '\(a.positionals[0])'") }
        let config = try a.configuration(.init(cameras: a.value("cameras"), state: a.value("state"),
                                               archive: a.value("archive"), models: a.value("models")))
        var plan = Plan(config: config)
        plan.threads = 2
        if let b = a.value("backbone") { plan.backbone = b }
        if let f = a.value("camera-review") { plan.cameraReview = f }
        func int(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v = a.value(name) else { return nil }
            guard let n = Int(v), range.contains(n) else {
                throw UsageError("--\(name): '\(v)' must be an integer in \(range.lowerBound)…\(range.upperBound)")
            }
            return n
        }
        plan.k = try int("k", 1...1000) ?? plan.k
        plan.iterations = try int("iterations", 1...10_000) ?? plan.iterations
        plan.maxSuggestions = try int("max-suggestions", 0...100_000) ?? plan.maxSuggestions
        if let v = a.value("threshold") {
            guard let t = Float(v), t > 0, t <= 1 else { throw UsageError("--threshold: '\(v)' must be a number in (0, 1]") }
            plan.threshold = t
        }
        guard !(a.flag("frames-only") && a.flag("cameras-only")) else {
            throw UsageError("give at most one of --frames-only and --cameras-only")
        }
        plan.frames = !a.flag("cameras-only")
        plan.cameraTags = !a.flag("frames-only")
        do {
            let summary = try perform(plan, queue: nil) { Console.out("camsift propagate: " + $0 + "\n") }
            Console.out(summary)
            return ExitStatus.ok
        } catch let e as LabelsError where e.kind == .locked {
            Console.error("camsift propagate: \(e.message) — a running daemon does this itself: use the console's "
                + "\"Suggest labels\" button on the review page, or set \"propagateAfterLabels\" in its config")
            return ExitStatus.unavailable
        } catch let e as LearningError {
            Console.error(e.message.hasPrefix("camsift propagate:") ? e.message : "camsift propagate: \(e.message)")
            return e.code == .badArgument ? ExitStatus.usage : ExitStatus.dataError
        } catch {
            Console.error("camsift propagate: \(error)")
            return ExitStatus.failure
        }
    }

    /// Runs the frame and camera halves; returns the summary (suggestions with score and iteration). `queue` is the
    /// daemon's open review queue (one queue per archive and process: its writer owns the item ids); nil opens the
    /// archive's label store first, which fails while a daemon labels the archive.
    static func perform(_ plan: Plan, queue: ReviewQueue?, progress: (String) -> Void) throws -> String {
        var out = ""
        if plan.frames { out += try frames(plan, queue: queue, progress: progress) }
        if plan.cameraTags { out += try cameraTags(plan, progress: progress) }
        return out
    }

    static func frames(_ plan: Plan, queue given: ReviewQueue?, progress: (String) -> Void) throws -> String {
        guard let backbone = plan.backbone else {
            throw LearningError(.badArgument, "no EfficientNet-Lite0 backbone found: pass --backbone FILE.csm (e.g. "
                + "weights/effnet-lite0-imagenet.csm), set CAMSIFT_EFFNET, or copy it into the models directory")
        }
        var o = FramePropagation.Options(archive: plan.archive, backbone: backbone)
        o.k = plan.k
        o.maxIterations = plan.iterations
        o.threshold = plan.threshold
        o.threads = plan.threads
        // The label store's lock first: a daemon labelling this archive must be the one to queue suggestions.
        var store: LabelStore?
        if given == nil { store = try LabelStore(archive: plan.archive) }
        defer { store?.close() }
        let r = try FramePropagation.run(o, progress: progress)
        let queue = try given ?? ReviewQueue(archive: plan.archive)
        defer { if given == nil { queue.close() } }
        var candidates: [ReviewCandidate] = []
        var unreadable = 0
        for s in r.suggestions {
            guard let jpeg = FileManager.default.contents(atPath: s.path) else { unreadable += 1; continue }
            candidates.append(ReviewCandidate(
                camera: s.camera, capturedWall: s.time ?? Timestamp.now(), jpeg: Array(jpeg), label: s.label, score: s.score,
                top: s.scores.prefix(5).map { ReviewScore(label: $0.label, score: $0.score) }, model: "propagation",
                suggestion: ReviewSuggestion(origin: s.path, iteration: s.iteration)))
        }
        let outcome = try queue.suggest(candidates, limit: plan.maxSuggestions)
        var text = "frames: \(r.labelled) labelled, \(r.unlabelled) unlabelled, \(r.reached) reached in \(r.steps.count) "
            + "iteration(s) (T chosen on \(r.choice.validationNodes.count) held-out labelled frames"
            + (r.choice.validationScore.isNaN ? "" : String(format: ", validation accuracy %.3f", r.choice.validationScore))
            + "); \(r.suggestions.count) suggestion(s) at P ≥ \(plan.threshold): \(outcome.added) queued for review, "
            + "\(outcome.alreadySuggested) suggested before, \(outcome.overCap) over the cap"
            + (unreadable > 0 ? ", \(unreadable) frame(s) gone" : "") + "\n"
        let root = URL(fileURLWithPath: plan.archive).standardizedFileURL.path + "/"
        for s in r.suggestions.prefix(20) {
            let rel = s.path.hasPrefix(root) ? String(s.path.dropFirst(root.count)) : s.path
            text += String(format: "  %@  %@ %.3f  iteration %d\n", rel, s.label, s.score, s.iteration)
        }
        if r.suggestions.count > 20 { text += "  … \(r.suggestions.count - 20) more (see the console's review page)\n" }
        return text
    }

    static func cameraTags(_ plan: Plan, progress: (String) -> Void) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: plan.cameras, isDirectory: &isDir), isDir.boolValue else {
            throw LearningError(.badArgument, "the camera registry '\(plan.cameras)' is not a directory; pass --cameras DIR "
                + "or --frames-only")
        }
        let snapshot = RegistryLoader.load(directory: plan.cameras, previous: nil)
        for p in snapshot.errors.prefix(5) { progress("registry: \(p)") }
        let cameras = snapshot.cameras.values.sorted { $0.id < $1.id }.map {
            CameraTagPropagation.Camera(id: $0.id, latitude: $0.location?.lat, longitude: $0.location?.lon,
                                        aggregator: $0.aggregator, tags: $0.tags)
        }
        let r = try CameraTagPropagation.run(cameras, k: plan.k, maxIterations: plan.iterations, threshold: plan.threshold)
        try CameraTagPropagation.writeReview(r, threshold: plan.threshold, to: plan.cameraReview)
        var text = "cameras: \(r.cameras) (\(r.tagged) tagged, \(r.tags.count) tags), \(r.edges) edges, \(r.iterations) "
            + "iteration(s); \(r.suggestions.count) untagged camera(s) with suggestions in \(plan.cameraReview) (not applied "
            + "to the registry)\n"
        for s in r.suggestions.prefix(20) {
            text += "  \(s.camera): " + s.tags.map { String(format: "%@ %.3f (iteration %d)", $0.tag, $0.score, $0.iteration) }
                .joined(separator: ", ") + "\n"
        }
        return text
    }
}
