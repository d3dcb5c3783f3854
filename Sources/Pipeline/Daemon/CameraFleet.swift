#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Registry
import Synchronization

/// The camera supervisor service: load the registry, run one worker per enabled camera of this shard, keep
/// the workers in step with the registry, and stop them all when the daemon stops.
///
/// `run()` starts (cameras directory check, registry load, one worker per camera — O(1) each and never
/// blocking, which is what lets 10,000 cameras start in well under 5 s), reports itself started, then runs the
/// control loop: one loop serializes reloads, log reopening and retrain requests, so they never interleave;
/// signals, the inotify watcher and the housekeeper only post `requests`. On graceful shutdown it stops taking
/// requests and stops every worker (the group gives it 60 % of `stopDeadline`). A stop request makes the loop
/// ignore further work right away; the `ServiceGroup` then shuts the fleet down in its turn.
///
/// `start()`, `reload(reason:)` and `stop()` are internal for tests that drive the fleet without `run()`; they
/// must not be called concurrently.
public final class CameraFleet: Service {
    public let options: DaemonOptions
    public let factory: any CameraWorkerFactory
    public let notifier: SystemdNotifier
    /// The classification log; SIGHUP reopens it (the `ClassificationLogService` closes it).
    public let log: ClassificationLogWriter
    /// Watchdog counters; the control loop bumps the heartbeat (the pipeline counts intake and output).
    public let progress: PipelineProgress
    public let requests: DaemonRequests
    /// Where SIGUSR1 / `camsift retrain` requests go; nil logs that no learning pipeline is wired in.
    public let retrain: (any RetrainTrigger)?

    struct State: Sendable {
        var snapshot: RegistrySnapshot?
        var workers: [String: any CameraWorker] = [:]
        var problems: [String] = []
        var startedAt: Double = 0
        var reloads = 0
    }

    let state = Mutex(State())

    public init(options: DaemonOptions, factory: any CameraWorkerFactory, notifier: SystemdNotifier,
                log: ClassificationLogWriter, progress: PipelineProgress = PipelineProgress(),
                requests: DaemonRequests = DaemonRequests(), retrain: (any RetrainTrigger)? = nil) {
        self.options = options
        self.factory = factory
        self.notifier = notifier
        self.log = log
        self.progress = progress
        self.requests = requests
        self.retrain = retrain
    }

    // MARK: - Queries (any thread)

    /// The running worker of camera `id`, if any (tests check identity across reloads with it).
    public func worker(for id: String) -> (any CameraWorker)? { state.withLock { $0.workers[id] } }

    public var runningCameraIDs: Set<String> { state.withLock { Set($0.workers.keys) } }

    /// The current registry definition of camera `id` (running or not).
    public func camera(_ id: String) -> Camera? { state.withLock { $0.snapshot?.cameras[id] } }

    public var reloadCount: Int { state.withLock { $0.reloads } }

    /// Registry problems of the last load, one printable line each.
    public var problems: [String] { state.withLock { $0.problems } }

    /// Unix seconds when the fleet started.
    public var startedAt: Double { state.withLock { $0.startedAt } }

    /// Health of every registered camera of this shard (running workers report theirs; disabled cameras are
    /// listed as such), for /metrics and `camsift cameras`.
    public func cameraHealth() -> [CameraHealth] { health().cameras }

    // MARK: - Service

    public func run() async throws {
        try await start()
        reportServiceStarted()
        await withGracefulShutdownHandler {
            await controlLoop()
        } onGracefulShutdown: { [requests] in
            requests.wakeUp()
        }
        await stop()
    }

    private func controlLoop() async {
        for await _ in requests.wakeups {
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            let p = requests.take()
            // Stopping: the group shuts the fleet down in its turn; take on no more work meanwhile.
            if p.stop != nil || requests.stopReason != nil { continue }
            if p.tick { progress.heartbeat.add(1, ordering: .relaxed) }
            if p.reopenLog { reopenLog() }
            if p.reload { await reload(reason: Daemon.uniqueReasons(p.reloadReasons)) }
            for _ in 0..<p.retrain {
                if let retrain {
                    retrain.requestRetrain(reason: "SIGUSR1")
                } else {
                    OperationalLog.notice("daemon", "retrain requested (SIGUSR1); no learning pipeline is wired in")
                }
            }
        }
    }

    /// Checks the cameras directory, loads the registry and starts the workers.
    func start() async throws(PipelineError) {
        let t0 = ContinuousClock.now
        let cfg = options.config
        try Daemon.requireDirectory(cfg.cameras, what: "cameras directory", flag: "--cameras", key: "cameras")
        state.withLock { $0.startedAt = Timestamp.now() }
        let snapshot = await DedicatedThread.run("camsift-registry") { RegistryLoader.load(directory: cfg.cameras, previous: nil) }
        reportProblems(snapshot)
        var started = 0
        var disabled = 0
        var workers: [String: any CameraWorker] = [:]
        workers.reserveCapacity(snapshot.cameras.count)
        for camera in snapshot.cameras.values where inShard(camera.id) {
            guard camera.enabled else { disabled += 1; continue }
            let w = factory.makeWorker(for: camera)
            w.start()
            workers[camera.id] = w
            started += 1
        }
        state.withLock { s in
            s.snapshot = snapshot
            s.workers = workers
        }
        let ms = Daemon.milliseconds(since: t0)
        OperationalLog.notice(
            "daemon", "ready: \(started) cameras started, \(disabled) disabled"
                + (options.shard.map { ", shard \($0)" } ?? "")
                + ", \(snapshot.problems.count) registry problem(s), in \(ms) ms (pid \(getpid()))")
    }

    /// Stops every worker (intake ends). The group bounds the wait; workers that overrun are left behind.
    func stop() async {
        let t0 = ContinuousClock.now
        let workers = state.withLock { s in
            let w = Array(s.workers.values)
            s.workers = [:]
            return w
        }
        await withTaskGroup(of: Void.self) { g in
            for w in workers { g.addTask { await w.stop() } }
        }
        OperationalLog.info("daemon", "\(workers.count) camera workers stopped in \(Daemon.milliseconds(since: t0)) ms")
    }

    func reopenLog() {
        do {
            try log.reopen()
            OperationalLog.info("daemon", "reopened classification log '\(log.path)'")
        } catch {
            OperationalLog.error("daemon", "\(error); still appending to the previous file")
        }
    }

    func inShard(_ id: String) -> Bool { options.shard?.contains(id) ?? true }

    func reportProblems(_ snapshot: RegistrySnapshot) {
        let lines = snapshot.problems.map { $0.description }
        for l in lines { OperationalLog.warning("registry", l) }
        state.withLock { $0.problems = lines }
    }

    /// Health of every registered camera in this shard: running workers report theirs; disabled cameras are
    /// listed as `disabled`. Called from the housekeeping thread and /metrics.
    func health() -> (registered: Int, cameras: [CameraHealth]) {
        let (workers, snapshot) = state.withLock { (Array($0.workers.values), $0.snapshot) }
        var out = workers.map { $0.health() }
        var registered = workers.count
        if let snapshot {
            for i in out.indices { out[i].aggregator = snapshot.cameras[out[i].id]?.aggregator }
            for c in snapshot.cameras.values where !c.enabled && inShard(c.id) {
                var h = CameraHealth(id: c.id, kind: c.kind, state: .disabled)
                h.aggregator = c.aggregator
                out.append(h)
                registered += 1
            }
        }
        out.sort { $0.id < $1.id }
        return (registered, out)
    }
}
