import CamsiftCore
import Foundation
import Learning
import Pipeline
import Serving
import Synchronization

/// Live retraining for the daemon (issue 6): `camsift train`'s code run in-process on the coordinator's
/// low-priority thread, then the promotion guard, an atomic promotion, and a hot swap between batches.
///
/// The candidate and the serving bundle are scored on the *same* held-out split of the archive (the test
/// split with the same seed and grouping), so the comparison is fair; the ImageNet model has other classes
/// and no score, so the first trained bundle is always promoted.
public final class Retrainer: Service, RetrainTrigger {
    public let coordinator: RetrainCoordinator
    private let every: Double?

    /// `install` receives the promoted model and its bundle path.
    public convenience init(config: CamsiftConfig, install: @escaping @Sendable (any FrameClassifier, String) -> Void) {
        let plan = RetrainPlan(config: config)
        OperationalLog.info("retrain", "plan: \(plan)")
        self.init(plan: plan, every: RetrainCoordinator.parseInterval(config.retrainEvery), install: install)
    }

    public init(plan: RetrainPlan, every: Double?, install: @escaping @Sendable (any FrameClassifier, String) -> Void) {
        self.every = every
        coordinator = RetrainCoordinator { reason in
            try Self.retrain(plan, reason: reason, install: install)
        }
    }

    /// Train → judge → promote → install. Returns the verdict line logged and shown in `camsift status`.
    static func retrain(_ plan: RetrainPlan, reason: String, install: @Sendable (any FrameClassifier, String) -> Void) throws -> String {
        let fm = FileManager.default
        // Training's tensors, feature caches and decoded archive images are freed when it ends, but glibc keeps
        // freed heap in its arenas; hand it back so a daemon that retrains daily keeps a flat RSS (soak bench).
        defer { HeapTrim.release() }
        // Cap training's threads so ingest and inference keep their share of the cores.
        LearningThreads.set(plan.threads)
        let store = BundleStore(root: plan.models)
        let staging = plan.models + "/staging"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let out = staging + "/candidate-\(getpid())-\(Int(Timestamp.now()))"
        defer { try? fm.removeItem(atPath: out) }
        var o = plan.training
        o.out = out
        o.command = "camsift run (retrain: \(reason))"
        OperationalLog.notice("retrain", "training a \(o.architecture.rawValue) bundle from \(plan.archive) (\(reason))")
        let t0 = Timestamp.now()
        let history = PromotionHistory(models: plan.models)
        func record(_ outcome: String, _ candidate: Score?, _ currentF1: Double?, bundle: String?, _ message: String) {
            let e = PromotionHistory.Entry(
                ts: Timestamp.rfc3339(Timestamp.now()), reason: reason, outcome: outcome, candidateF1: candidate?.macroF1,
                currentF1: currentF1, bundle: bundle.map { ($0 as NSString).lastPathComponent },
                seconds: ((Timestamp.now() - t0) * 10).rounded() / 10, classes: candidate?.classes ?? [],
                perClassF1: candidate?.perClassF1 ?? [], images: candidate?.images ?? [], message: message)
            do { try history.append(e) } catch { OperationalLog.warning("retrain", "\(error)") }
        }
        let candidate: Score
        do {
            let (_, report) = try TrainingSession(options: o, networks: NetworkFactory()).run()
            for m in report.models {
                if let r = m.stageRevert { OperationalLog.notice("retrain", "\(m.name): " + TrainingReport.revertNote(r)) }
            }
            var scored = try score(bundle: out, archive: plan.archive, seed: plan.seed)
            scored.images = imagesPerClass(archive: plan.archive, classes: scored.classes)
            candidate = scored
        } catch {
            record("failed", nil, nil, bundle: nil, "\(error)")
            throw error
        }
        let currentF1 = try store.current.map { try score(bundle: $0, archive: plan.archive, seed: plan.seed).macroF1 }
        let verdict = PromotionGuard(margin: plan.margin).judge(candidateF1: candidate.macroF1, currentF1: currentF1)
        let took = Int(Timestamp.now() - t0)
        guard verdict.promote else {
            let line = "\(verdict) after \(took) s; serving model kept"
            record("kept", candidate, currentF1, bundle: nil, line)
            return line
        }
        let path = try store.promote(out)
        install(try BundleClassifier(directory: path, threads: plan.threads), path)
        let line = "\(verdict) after \(took) s; now serving \(path)"
        record("promoted", candidate, currentF1, bundle: path, line)
        return line
    }

    /// A bundle's primary prediction scored on the archive's test split.
    struct Score {
        var macroF1: Double
        var classes: [String] = []
        var perClassF1: [Double] = []
        var images: [Int] = []
    }

    /// Labelled archive images per class (in `classes`' order), for the history's "enough data?" view; counted once
    /// per retrain, for the candidate only.
    static func imagesPerClass(archive: String, classes: [String]) -> [Int] {
        var images = [Int](repeating: 0, count: classes.count)
        guard let a = try? LabeledArchive.scan(archive) else { return images }
        for item in a.items { if let k = classes.firstIndex(of: a.classes[item.label]) { images[k] += 1 } }
        return images
    }

    /// Macro F1 (and per-class F1) of a bundle's primary prediction on the archive's test split.
    static func score(bundle: String, archive: String, seed: UInt64) throws -> Score {
        var e = EvaluationSession.Options(archive: archive, model: bundle)
        e.split = "test"
        e.seed = seed
        do {
            let r = try EvaluationSession(options: e).run()
            guard let m = r.plain[r.primary] else { return Score(macroF1: .nan) }
            return Score(macroF1: m.macroF1, classes: r.classes, perClassF1: m.f1)
        } catch let err as LearningError where err.code == .badArchive {
            // The archive gained classes the serving bundle does not know: it cannot be scored on them.
            OperationalLog.warning("retrain", "cannot score \(bundle) on the current archive: \(err)")
            return Score(macroF1: -.infinity)
        }
    }

    /// The `retrainEvery` schedule, as a daemon service: requests a retrain every `every` seconds until the
    /// group shuts down (a retrain then in progress is not waited for). Without a schedule it just waits.
    public func run() async throws {
        reportServiceStarted()
        guard let every else {
            try? await gracefulShutdown()
            return
        }
        let coordinator = self.coordinator
        _ = try? await cancelWhenGracefulShutdown {
            let clock = ContinuousClock()
            var next = clock.now + .milliseconds(Int64(every * 1000))
            while true {
                try await Task.sleep(until: next, clock: clock)
                coordinator.request(reason: "schedule (every \(Int(every)) s)")
                next += .milliseconds(Int64(every * 1000))
            }
        }
    }

    /// SIGUSR1 / `camsift retrain`, from the daemon's control loop.
    public func requestRetrain(reason: String) { coordinator.request(reason: reason) }
}
