import CamsiftCore
import Foundation
import Learning
import Synchronization

/// Live retraining for the daemon (issue 6): `camsift train`'s code run in-process on the coordinator's
/// low-priority thread, then the promotion guard, an atomic promotion, and a hot swap between batches.
///
/// The candidate and the serving bundle are scored on the *same* held-out split of the archive (the test
/// split with the same seed and grouping), so the comparison is fair; the ImageNet model has other classes
/// and no score, so the first trained bundle is always promoted.
public final class Retrainer: Sendable {
    public let coordinator: RetrainCoordinator
    private let scheduleStop = Atomic<Bool>(false)
    private let every: Double?

    public struct Settings: Sendable {
        public var archive: String
        public var models: String
        public var threads: Int
        public var margin: Double = 0
        public var seed: UInt64 = 1
        public var configuration = TrainingConfiguration.recommended
        /// Network family; nil = transfer learning on EfficientNet-Lite0 when the ImageNet model is there,
        /// else the from-scratch small CNN.
        public var architecture: Architecture?
        /// EfficientNet top blocks fine-tuned (level 2); nil = automatic (2 when the trunk cache fits), 0 = level 1
        /// only — M0 and M1 then share the whole backbone and serving the default pool costs one extra head.
        public var fineTuneBlocks: Int?
        public init(archive: String, models: String, threads: Int) {
            self.archive = archive
            self.models = models
            self.threads = threads
        }
    }

    /// `install` receives the promoted model and its bundle path.
    public convenience init(config: CamsiftConfig, install: @escaping @Sendable (any FrameClassifier, String) -> Void) {
        var s = Settings(archive: config.archive, models: config.models, threads: max(1, config.computeThreads))
        s.fineTuneBlocks = config.retrainFineTuneBlocks >= 0 ? config.retrainFineTuneBlocks : nil
        self.init(settings: s, every: RetrainCoordinator.parseInterval(config.retrainEvery), install: install)
    }

    public init(settings: Settings, every: Double?, install: @escaping @Sendable (any FrameClassifier, String) -> Void) {
        self.every = every
        coordinator = RetrainCoordinator { reason in
            try Self.retrain(settings, reason: reason, install: install)
        }
    }

    /// Train → judge → promote → install. Returns the verdict line logged and shown in `camsift status`.
    static func retrain(_ s: Settings, reason: String, install: @Sendable (any FrameClassifier, String) -> Void) throws -> String {
        let fm = FileManager.default
        // Training's tensors, feature caches and decoded archive images are freed when it ends, but glibc keeps
        // freed heap in its arenas; hand it back so a daemon that retrains daily keeps a flat RSS (soak bench).
        defer { HeapTrim.release() }
        // Cap training's threads so ingest and inference keep their share of the cores.
        LearningThreads.set(s.threads)
        let store = BundleStore(root: s.models)
        let staging = s.models + "/staging"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let out = staging + "/candidate-\(getpid())-\(Int(Timestamp.now()))"
        defer { try? fm.removeItem(atPath: out) }
        var o = TrainingSession.Options(archive: s.archive, out: out)
        o.configuration = s.configuration
        o.configuration.seed = s.seed
        o.command = "camsift run (retrain: \(reason))"
        let imagenet = ModelLoader.imagenetCandidates(modelsDir: s.models).first { fm.fileExists(atPath: $0) }
        o.architecture = s.architecture ?? (imagenet != nil ? .effnetLite0 : .small)
        o.backbone = imagenet
        o.fineTuneBlocks = s.fineTuneBlocks
        // As `camsift train`: a transfer network starts at the transfer rate unless the settings chose another.
        if o.architecture == .effnetLite0 && o.configuration.learningRate == TrainingConfiguration.recommended.learningRate {
            o.configuration.learningRate = TrainingConfiguration.transferLearningRate
        }
        OperationalLog.notice("retrain", "training a \(o.architecture.rawValue) bundle from \(s.archive) (\(reason))")
        let t0 = Timestamp.now()
        _ = try TrainingSession(options: o, networks: NetworkFactory()).run()
        let candidateF1 = try score(bundle: out, archive: s.archive, seed: s.seed)
        let currentF1 = try store.current.map { try score(bundle: $0, archive: s.archive, seed: s.seed) }
        let verdict = PromotionGuard(margin: s.margin).judge(candidateF1: candidateF1, currentF1: currentF1)
        let took = Int(Timestamp.now() - t0)
        guard verdict.promote else { return "\(verdict) after \(took) s; serving model kept" }
        let path = try store.promote(out)
        install(try BundleClassifier(directory: path, threads: s.threads), path)
        return "\(verdict) after \(took) s; now serving \(path)"
    }

    /// Macro F1 of a bundle's primary prediction on the archive's test split.
    static func score(bundle: String, archive: String, seed: UInt64) throws -> Double {
        var e = EvaluationSession.Options(archive: archive, model: bundle)
        e.split = "test"
        e.seed = seed
        do {
            let r = try EvaluationSession(options: e, networks: NetworkFactory()).run()
            return r.plain[r.primary]?.macroF1 ?? .nan
        } catch let err as LearningError where err.code == .badArchive {
            // The archive gained classes the serving bundle does not know: it cannot be scored on them.
            OperationalLog.warning("retrain", "cannot score \(bundle) on the current archive: \(err)")
            return -.infinity
        }
    }

    /// Starts the `retrain.every` timer, if configured.
    public func startSchedule() {
        guard let every else { return }
        let t = Thread { [self] in
            var next = Timestamp.now() + every
            while !scheduleStop.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: min(1, max(0, next - Timestamp.now())))
                if Timestamp.now() >= next {
                    coordinator.request(reason: "schedule (every \(Int(every)) s)")
                    next += every
                }
            }
        }
        t.name = "camsift-retrain-timer"
        t.start()
    }

    public func stopSchedule() { scheduleStop.store(true, ordering: .relaxed) }
}
