import CamsiftCore
import Registry

extension CameraFleet {
    /// Most per-camera lines one reload writes to stderr.
    static let reloadEventLimit = 50

    /// What a reload did, for the log line and for tests.
    public struct ReloadSummary: Sendable, Equatable {
        public var started = 0
        public var stopped = 0
        public var restarted = 0
        public var kept = 0
        public var problems = 0
        public var milliseconds = 0
    }

    /// Reloads the registry and applies the difference to the running workers: added cameras start, removed
    /// ones stop, changed ones restart, and unchanged ones keep their very worker object — they are not
    /// touched at all. An invalid file is reported and its cameras keep their last valid definition (the
    /// loader carries them over from `previous`). Wrapped in `RELOADING=1` … `READY=1` for systemd.
    @discardableResult
    public func reload(reason: String) async -> ReloadSummary {
        let t0 = ContinuousClock.now
        notifier.reloading()
        defer { notifier.ready() }
        var summary = ReloadSummary()
        let directory = options.config.cameras
        do {
            try Daemon.requireDirectory(directory, what: "cameras directory", flag: "--cameras", key: "cameras")
        } catch {
            OperationalLog.error("daemon", "reload (\(reason)) skipped: \(error); every camera keeps running")
            return summary
        }
        let previous = state.withLock { $0.snapshot } ?? RegistrySnapshot()
        let next = await DedicatedThread.run("camsift-registry") { RegistryLoader.load(directory: directory, previous: previous) }
        let loadMs = Daemon.milliseconds(since: t0)
        reportProblems(next)
        let diff = RegistryDiff.between(previous.cameras, next.cameras)

        // Decide under the lock, act outside it: stopping awaits the workers.
        var toStop: [any CameraWorker] = []
        var toStart: [Camera] = []
        var events: [(camera: String, what: String)] = []
        state.withLock { s in
            for id in diff.removed {
                if let w = s.workers.removeValue(forKey: id) {
                    toStop.append(w)
                    summary.stopped += 1
                    events.append((id, "stopped (removed from the registry)"))
                }
            }
            for camera in diff.changed {
                let old = s.workers.removeValue(forKey: camera.id)
                if let old { toStop.append(old) }
                let runs = camera.enabled && inShard(camera.id)
                if runs { toStart.append(camera) }
                switch (old != nil, runs) {
                case (true, true):
                    summary.restarted += 1
                    events.append((camera.id, "restarting (definition changed)"))
                case (true, false):
                    summary.stopped += 1
                    events.append((camera.id, "stopped (disabled)"))
                case (false, true):
                    summary.started += 1
                    events.append((camera.id, "started (enabled)"))
                case (false, false): break
                }
            }
            for camera in diff.added where camera.enabled && inShard(camera.id) {
                toStart.append(camera)
                summary.started += 1
                events.append((camera.id, "started (added to the registry)"))
            }
            summary.kept = s.workers.count
        }
        if !toStop.isEmpty {
            await withTaskGroup(of: Void.self) { g in
                for w in toStop { g.addTask { await w.stop() } }
            }
        }
        var started: [String: any CameraWorker] = [:]
        for camera in toStart {
            let w = factory.makeWorker(for: camera)
            w.start()
            started[camera.id] = w
        }
        state.withLock { s in
            s.snapshot = next
            s.workers.merge(started) { _, new in new }
            s.reloads += 1
        }
        // One line per camera touched (journald), capped so a mass edit does not flood the journal.
        for e in events.prefix(Self.reloadEventLimit) { OperationalLog.info("daemon", e.what, camera: e.camera) }
        if events.count > Self.reloadEventLimit {
            OperationalLog.info("daemon", "… and \(events.count - Self.reloadEventLimit) more cameras changed in this reload")
        }
        summary.problems = next.problems.count
        summary.milliseconds = Daemon.milliseconds(since: t0)
        OperationalLog.notice(
            "daemon", "reload (\(reason)): \(summary.started) started, \(summary.stopped) stopped, "
                + "\(summary.restarted) restarted, \(summary.kept) untouched, \(summary.problems) problem(s), "
                + "in \(summary.milliseconds) ms (registry load \(loadMs) ms)")
        return summary
    }
}
