#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Synchronization

/// Appends classification records to the JSON Lines log so that every line on disk is whole.
///
/// Why each line stays whole:
/// - a line is encoded completely in memory and handed to one `write(2)` on an `O_APPEND` descriptor;
/// - writers are serialized by a mutex, so a short write that needs a second `write(2)` can never have another
///   writer's bytes land in between;
/// - when the disk is full (ENOSPC), the file too large (EFBIG) or the device fails (EIO) after part of a line
///   went out, the file is cut back to where the line started with `ftruncate(2)`: the log ends at a line end.
/// Failures are counted and reported on stderr (rate-limited); the caller never blocks on a retry.
///
/// The log has one writing process (the daemon's pid file guarantees it); `ftruncate` relies on that.
/// `reopen()` is the logrotate convention for SIGHUP; `maxBytes > 0` adds built-in size rotation to `PATH.1`.
public final class ClassificationLogWriter: Sendable {
    public struct Stats: Sendable, Equatable {
        public var lines = 0
        public var bytes = 0
        /// Lines that did not reach the file (disk full, I/O error, closed).
        public var failedLines = 0
        /// Partial lines removed with ftruncate after a failed continuation write.
        public var truncations = 0
        public var rotations = 0
        public var reopens = 0
    }

    private struct State {
        var fd: Int32
        var stats = Stats()
        var lastReport: Double = -.infinity
        var unreportedFailures = 0
    }

    public let path: String
    public let maxBytes: Int
    private let state: Mutex<State>

    /// Seconds between two stderr reports of write failures; the count in between is summed into the next one.
    static let reportInterval: Double = 10

    /// Opens (creating if needed, mode 0644) `path` for appending. The directory must exist.
    public init(path: String, maxBytes: Int = 0) throws(PipelineError) {
        self.path = path
        self.maxBytes = max(0, maxBytes)
        state = Mutex(State(fd: try Self.open(path)))
    }

    deinit {
        state.withLock { s in
            if s.fd >= 0 { _ = Glibc.close(s.fd) }
        }
    }

    private static func open(_ path: String) throws(PipelineError) -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .errno(.io, "cannot open classification log '\(path)' for appending — create its directory "
                + "or pass a writable path with --log (or \"log\" in the config)")
        }
        return fd
    }

    /// Appends one record. Returns false when the line did not reach the file (counted in `stats`).
    @discardableResult
    public func append(_ record: ClassificationRecord) -> Bool {
        append(line: record.jsonLine())
    }

    /// Appends one pre-encoded line, which must end with `\n` and contain no other newline.
    @discardableResult
    public func append(line: [UInt8]) -> Bool {
        precondition(line.last == 0x0A, "a log line ends with a newline")
        return state.withLock { s in
            guard s.fd >= 0 else {
                s.stats.failedLines += 1
                return false
            }
            var st = stat()
            let start = fstat(s.fd, &st) == 0 ? off_t(st.st_size) : -1
            var written = 0
            var failure: Int32 = 0
            line.withUnsafeBytes { buf in
                while written < buf.count {
                    let n = Glibc.write(s.fd, buf.baseAddress! + written, buf.count - written)
                    if n > 0 { written += n; continue }
                    if n < 0 && errno == EINTR { continue }
                    failure = n == 0 ? EIO : errno
                    return
                }
            }
            if failure == 0 {
                s.stats.lines += 1
                s.stats.bytes += line.count
                if maxBytes > 0, start >= 0, Int(start) + line.count >= maxBytes { rotate(&s) }
                return true
            }
            if written > 0, start >= 0 {
                // Part of the line is on disk: cut it off so the file still ends at a line end.
                if ftruncate(s.fd, start) == 0 { s.stats.truncations += 1 }
            }
            s.stats.failedLines += 1
            report(&s, errno: failure)
            return false
        }
    }

    private func report(_ s: inout State, errno e: Int32) {
        s.unreportedFailures += 1
        let now = Timestamp.now()
        guard now - s.lastReport >= Self.reportInterval else { return }
        let hint = e == ENOSPC || e == EDQUOT ? "free space on the log's filesystem or set logMaxBytes"
            : e == EFBIG ? "the file hit its size limit; rotate it (logrotate + SIGHUP) or set logMaxBytes"
            : "check the device holding the log"
        OperationalLog.error(
            "log", "cannot append to '\(path)': \(String(cString: strerror(e))); "
                + "\(s.unreportedFailures) line(s) dropped since the last report, \(s.stats.failedLines) in total — \(hint)")
        s.lastReport = now
        s.unreportedFailures = 0
    }

    /// Size rotation: `PATH` → `PATH.1` (replacing an older one), then a fresh `PATH`.
    private func rotate(_ s: inout State) {
        guard rename(path, path + ".1") == 0 else {
            OperationalLog.error("log", "cannot rotate '\(path)' to '\(path).1': \(String(cString: strerror(errno)))")
            return
        }
        do {
            let fd = try Self.open(path)
            _ = Glibc.close(s.fd)
            s.fd = fd
            s.stats.rotations += 1
        } catch {
            OperationalLog.error("log", "\(error); still appending to the rotated '\(path).1'")
        }
    }

    /// Reopens `path` (SIGHUP after logrotate moved the file away). On failure keeps writing to the old file.
    public func reopen() throws(PipelineError) {
        let fd = try Self.open(path)
        state.withLock { s in
            if s.fd >= 0 {
                _ = fdatasync(s.fd)
                _ = Glibc.close(s.fd)
            }
            s.fd = fd
            s.stats.reopens += 1
        }
    }

    /// Forces written lines to disk (shutdown, before a reload reports READY).
    public func flush() {
        state.withLock { s in
            if s.fd >= 0 { _ = fdatasync(s.fd) }
        }
    }

    /// Flushes and closes; later appends fail (and are counted).
    public func close() {
        state.withLock { s in
            guard s.fd >= 0 else { return }
            _ = fdatasync(s.fd)
            _ = Glibc.close(s.fd)
            s.fd = -1
        }
    }

    public var stats: Stats { state.withLock { $0.stats } }
}

/// Where classification records go (the JSON-lines log writer in production). Returns false when the
/// record could not be written (the writer counts and reports that itself).
public protocol ClassificationSink: Sendable {
    @discardableResult func append(_ record: ClassificationRecord) -> Bool
}

extension ClassificationLogWriter: ClassificationSink {}
