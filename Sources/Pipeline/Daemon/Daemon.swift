#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Registry
import Synchronization

/// The daemon's life: load the registry, run one worker per enabled camera, react to reloads, signals and the
/// systemd watchdog, and stop gracefully.
///
/// One control loop (`run()`) serializes start, reloads and stop, so they never interleave; signals, the
/// inotify watcher and the housekeeping thread only post `requests`. Worker creation is O(1) per camera and
/// never blocks (workers start their own I/O), which is what lets 10,000 cameras reach READY in well under
/// 5 s. `start()`, `reload(reason:)` and `stop()` are public for tests and embedders that drive the daemon
/// without `run()`; they must not be called concurrently.
public final class Daemon: Sendable {
    public let options: DaemonOptions
    public let factory: any CameraWorkerFactory
    public let notifier: SystemdNotifier
    /// The classification log; the pipeline appends to it, SIGHUP reopens it, stop flushes and closes it.
    public let log: ClassificationLogWriter
    /// Watchdog counters; pass the same object to the pipeline (it counts intake and output).
    public let progress: PipelineProgress
    public let requests = DaemonRequests()

    struct State: Sendable {
        var snapshot: RegistrySnapshot?
        var workers: [String: any CameraWorker] = [:]
        var problems: [String] = []
        var startedAt: Double = 0
        var reloads = 0
    }

    let state = Mutex(State())
    let hooks: Mutex<Hooks>
    let pidFile = Mutex<PIDFile?>(nil)
    let housekeeper = Mutex<Housekeeper?>(nil)
    let watcher = Mutex<RegistryWatcher?>(nil)

    /// Calls other modules make into the daemon's lifecycle (the learning and pipeline issues fill them in).
    public struct Hooks: Sendable {
        /// SIGUSR1 / `camsift retrain`. Default: log that it was requested.
        public var retrain: @Sendable () -> Void = {
            OperationalLog.notice("daemon", "retrain requested (SIGUSR1); no learning pipeline is wired in yet")
        }
        /// After intake stopped, before the log is closed: finish in-flight batches. Stop gives it 30 % of
        /// `stopDeadline` (2.4 s by default) before closing the log; blocking work belongs in `Daemon.offPool`.
        public var drain: @Sendable () async -> Void = {}
        public init() {}
    }

    /// `progress` and `log` may be created first and shared with the pipeline that the factory's workers feed.
    public init(options: DaemonOptions, factory: any CameraWorkerFactory, notifier: SystemdNotifier,
                log: ClassificationLogWriter, progress: PipelineProgress = PipelineProgress(), hooks: Hooks = Hooks()) {
        self.options = options
        self.progress = progress
        self.factory = factory
        self.notifier = notifier
        self.log = log
        self.hooks = Mutex(hooks)
    }

    public func setHooks(_ change: (inout Hooks) -> Void) { hooks.withLock { change(&$0) } }

    // MARK: - Queries (any thread)

    /// The running worker of camera `id`, if any (tests check identity across reloads with it).
    public func worker(for id: String) -> (any CameraWorker)? { state.withLock { $0.workers[id] } }

    public var runningCameraIDs: Set<String> { state.withLock { Set($0.workers.keys) } }

    /// The current registry definition of camera `id` (running or not).
    public func camera(_ id: String) -> Camera? { state.withLock { $0.snapshot?.cameras[id] } }

    public var reloadCount: Int { state.withLock { $0.reloads } }

    /// Registry problems of the last load, one printable line each.
    public var problems: [String] { state.withLock { $0.problems } }

    // MARK: - Lifecycle

    /// Runs until a stop request (SIGTERM/SIGINT through `SignalCenter`, or `requests.stop`), then stops
    /// gracefully. Returns the process exit status.
    public func run() async throws(PipelineError) -> Int32 {
        try await start()
        for await _ in requests.wakeups {
            let p = requests.take()
            if let reason = p.stop {
                OperationalLog.notice("daemon", "stopping (\(reason))")
                break
            }
            if p.tick { progress.heartbeat.add(1, ordering: .relaxed) }
            if p.reopenLog { reopenLog() }
            if p.reload { await reload(reason: Self.uniqueReasons(p.reloadReasons)) }
            for _ in 0..<p.retrain { hooks.withLock { $0.retrain }() }
        }
        await stop()
        return 0
    }

    /// Takes the pid file, loads the registry, starts the workers, starts watching, and tells systemd READY=1.
    public func start() async throws(PipelineError) {
        let t0 = ContinuousClock.now
        let cfg = options.config
        try Self.requireDirectory(cfg.cameras, what: "cameras directory", flag: "--cameras", key: "cameras")
        if options.usePIDFile {
            try Self.makeDirectories(cfg.state)
            let p = try PIDFile(stateDirectory: cfg.state)
            pidFile.withLock { $0 = p }
        }
        state.withLock { $0.startedAt = Timestamp.now() }
        let snapshot = await Self.offPool("camsift-registry") { RegistryLoader.load(directory: cfg.cameras, previous: nil) }
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
        if options.watchRegistry { startWatcher() }
        let hk = Housekeeper(daemon: self)
        housekeeper.withLock { $0 = hk }
        hk.start()
        notifier.ready()
        notifier.status("cameras \(started), online 0, 0.0 frames/s")
        let ms = Self.milliseconds(since: t0)
        OperationalLog.notice(
            "daemon", "ready: \(started) cameras started, \(disabled) disabled"
                + (options.shard.map { ", shard \($0)" } ?? "")
                + ", \(snapshot.problems.count) registry problem(s), in \(ms) ms (pid \(getpid()))")
    }

    /// Stop intake, drain, flush the log, release the pid file. Gives up waiting for stragglers after
    /// `options.stopDeadline` seconds so the process can exit within systemd's budget.
    public func stop() async {
        let t0 = ContinuousClock.now
        notifier.stopping()
        // The state file keeps the last running picture (status reads the pid file to know we stopped).
        housekeeper.withLock { h in
            h?.stop()
            h = nil
        }
        watcher.withLock { w in
            w?.stop()
            w = nil
        }
        let workers = state.withLock { s in
            let w = Array(s.workers.values)
            s.workers = [:]
            return w
        }
        let deadline = options.stopDeadline
        let allStopped = await Self.within(seconds: deadline * 0.6) {
            await withTaskGroup(of: Void.self) { g in
                for w in workers { g.addTask { await w.stop() } }
            }
        }
        if !allStopped {
            OperationalLog.warning("daemon", "some of \(workers.count) workers did not stop within "
                + "\(deadline * 0.6) s; exiting without them")
        }
        let drain = hooks.withLock { $0.drain }
        if !(await Self.within(seconds: deadline * 0.3, drain)) {
            OperationalLog.warning("daemon", "draining in-flight frames took longer than \(deadline * 0.3) s; "
                + "their results are lost")
        }
        _ = await Self.within(seconds: deadline * 0.1) { [factory] in await factory.shutdown() }
        await Self.offPool("camsift-logclose") { [log] in log.close() }
        pidFile.withLock { p in
            p?.remove()
            p = nil
        }
        let stats = log.stats
        OperationalLog.notice(
            "daemon", "stopped in \(Self.milliseconds(since: t0)) ms; log: \(stats.lines) lines written, "
                + "\(stats.failedLines) failed")
        requests.finish()
    }

    func reopenLog() {
        do {
            try log.reopen()
            OperationalLog.info("daemon", "reopened classification log '\(log.path)'")
        } catch {
            OperationalLog.error("daemon", "\(error); still appending to the previous file")
        }
    }

    private func startWatcher() {
        do {
            let w = try RegistryWatcher(directory: options.config.cameras, debounce: options.reloadDebounce) {
                [requests] in requests.reload("inotify")
            }
            watcher.withLock { $0 = w }
        } catch {
            OperationalLog.warning("daemon", "not watching '\(options.config.cameras)' for changes (\(error)); "
                + "reload with SIGHUP (systemctl reload camsift)")
        }
    }

    func inShard(_ id: String) -> Bool { options.shard?.contains(id) ?? true }
}
