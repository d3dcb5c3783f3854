#if canImport(Glibc)
import Glibc
#endif

/// `STATE/camsift.pid`: at most one daemon per state directory, and how `camsift retrain` finds it.
///
/// Created with `O_CREAT|O_EXCL` and held under an exclusive `flock(2)` for the daemon's life. The lock, not the
/// pid, decides liveness: a pid file whose lock nobody holds is stale (the daemon was killed) however its pid
/// was reused since, and is replaced. Removed on a clean exit.
public final class PIDFile: Sendable {
    public static let fileName = "camsift.pid"
    public let path: String
    private let fd: Int32

    public static func path(inStateDirectory dir: String) -> String {
        (dir.hasSuffix("/") ? String(dir.dropLast()) : dir) + "/" + fileName
    }

    /// Takes the pid file of `stateDirectory` for this process.
    public init(stateDirectory: String) throws(PipelineError) {
        let path = Self.path(inStateDirectory: stateDirectory)
        self.path = path
        for _ in 0..<3 {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                    close(fd)
                    throw .errno(.io, "cannot lock the pid file '\(path)'")
                }
                let text = Array("\(getpid())\n".utf8)
                let n = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                guard n == text.count else {
                    let e = errno
                    close(fd)
                    unlink(path)
                    throw .errno(.io, "cannot write the pid file '\(path)'", errno: e)
                }
                self.fd = fd
                return
            }
            guard errno == EEXIST else {
                throw .errno(.io, "cannot create the pid file '\(path)' — the state directory must exist and be "
                    + "writable (--state DIR, or \"state\" in the config)")
            }
            switch Self.probe(path) {
            case .running(let pid):
                throw PipelineError(.alreadyRunning, "another camsift daemon (pid \(pid)) runs with the state directory "
                    + "'\(stateDirectory)' — stop it, or give this one its own --state")
            case .stale, .absent:
                // The lock is free: its owner died without cleaning up. Replace the file and retry O_EXCL.
                unlink(path)
            }
        }
        throw PipelineError(.alreadyRunning, "the pid file '\(path)' keeps reappearing; another daemon is starting")
    }

    deinit { close(fd) }

    /// Removes the file (clean exit). The lock goes with the descriptor.
    public func remove() {
        unlink(path)
        flock(fd, LOCK_UN)
    }

    public enum Probe: Equatable, Sendable {
        case running(pid: Int32)
        case stale(pid: Int32?)
        case absent
    }

    /// Whether a daemon holds `path`, without disturbing it.
    public static func probe(_ path: String) -> Probe {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .absent }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 32)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 31) }
        let pid = n > 0 ? Int32(String(decoding: buf[0..<n], as: UTF8.self).trimmingWhitespace()) : nil
        // A shared lock succeeds only when no daemon holds its exclusive one.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return .stale(pid: pid)
        }
        guard let pid, pid > 0 else { return .stale(pid: nil) }
        return .running(pid: pid)
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
