#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Registry
import Synchronization

extension Daemon {
    static func milliseconds(since t0: ContinuousClock.Instant) -> Int {
        let d = ContinuousClock.now - t0
        return Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }

    static func uniqueReasons(_ r: [String]) -> String {
        var seen: [String] = []
        for x in r where !seen.contains(x) { seen.append(x) }
        return seen.isEmpty ? "request" : seen.joined(separator: "+")
    }

    /// Runs `body` in its own task and waits at most `seconds` for it. Returns whether it finished; a body that
    /// overruns keeps running detached (the process is about to exit anyway).
    static func within(seconds: Double, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        let once = ResumeOnce()
        return await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            once.set(c)
            Task {
                await body()
                once.resume(true)
            }
            Task {
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                once.resume(false)
            }
        }
    }

    /// Runs blocking work (10,000 `stat`s and reads of a registry load, an fsync) on a thread of its own, so the
    /// cooperative pool — two threads on a two-core box — never waits on the disk.
    public static func offPool<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            let t = Thread { c.resume(returning: body()) }
            t.name = name
            t.start()
        }
    }

    static func requireDirectory(_ path: String, what: String, flag: String, key: String) throws(PipelineError) {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw PipelineError(.config, "\(what) '\(path)' does not exist or is not a directory — create it or "
                + "pass another with \(flag) (or \"\(key)\" in the config)")
        }
    }

    /// `mkdir -p` (0755).
    static func makeDirectories(_ path: String) throws(PipelineError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .errno(.io, "cannot create directory '\(prefix)' — create it, or point the daemon elsewhere")
            }
            prefix += "/"
        }
    }

    func reportProblems(_ snapshot: RegistrySnapshot) {
        let lines = snapshot.problems.map { $0.description }
        for l in lines { OperationalLog.warning("registry", l) }
        state.withLock { $0.problems = lines }
    }

    /// Health of every registered camera in this shard: running workers report theirs; disabled cameras are
    /// listed as `disabled`. Called from the housekeeping thread.
    func health() -> (registered: Int, cameras: [CameraHealth]) {
        let (workers, snapshot) = state.withLock { (Array($0.workers.values), $0.snapshot) }
        var out = workers.map { $0.health() }
        var registered = workers.count
        if let snapshot {
            for c in snapshot.cameras.values where !c.enabled && inShard(c.id) {
                out.append(CameraHealth(id: c.id, kind: c.kind, state: .disabled))
                registered += 1
            }
        }
        out.sort { $0.id < $1.id }
        return (registered, out)
    }

    func writeStateFile(cameras: [CameraHealth], framesPerSecond: Double, registered: Int = 0) {
        guard options.usePIDFile else { return }
        let (startedAt, problems) = state.withLock { ($0.startedAt, $0.problems) }
        let file = DaemonStateFile(
            pid: getpid(), startedAt: startedAt, updatedAt: Timestamp.now(), registered: registered,
            framesPerSecond: framesPerSecond, problems: problems, cameras: cameras)
        do {
            try file.write(toStateDirectory: options.config.state)
        } catch {
            OperationalLog.warning("daemon", "\(error)")
        }
    }
}

/// A continuation resumed by whichever of several racing tasks gets there first.
private final class ResumeOnce: Sendable {
    private let c = Mutex<CheckedContinuation<Bool, Never>?>(nil)
    func set(_ k: CheckedContinuation<Bool, Never>) { c.withLock { $0 = k } }
    func resume(_ v: Bool) { c.withLock { $0.take() }?.resume(returning: v) }
}
