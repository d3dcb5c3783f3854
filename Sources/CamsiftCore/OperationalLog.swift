#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Operational events (camera up/down, reloads, errors) for journald: one line each on stderr, written with a
/// single `write(2)` so concurrent events never interleave. Format: `level component: message key=value...`.
public enum OperationalLog {
    public enum Level: String, Sendable { case debug, info, notice, warning, error }

    /// Events below this level are dropped. Set once at start-up (CAMSIFT_LOG_LEVEL).
    nonisolated(unsafe) public static var minimum: Level = .info

    private static func rank(_ l: Level) -> Int {
        switch l {
        case .debug: 0
        case .info: 1
        case .notice: 2
        case .warning: 3
        case .error: 4
        }
    }

    /// journald understands the `<N>` syslog priority prefix on stderr lines.
    private static func priority(_ l: Level) -> Int {
        switch l {
        case .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        }
    }

    public static func emit(_ level: Level, _ component: String, _ message: String, camera: String? = nil) {
        guard rank(level) >= rank(minimum) else { return }
        var line = "<\(priority(level))>\(level.rawValue) \(component): "
        if let camera { line += "camera '\(camera)': " }
        line += message.replacingNewlines()
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(2, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                off += n
            }
        }
    }

    public static func info(_ c: String, _ m: String, camera: String? = nil) { emit(.info, c, m, camera: camera) }
    public static func notice(_ c: String, _ m: String, camera: String? = nil) { emit(.notice, c, m, camera: camera) }
    public static func warning(_ c: String, _ m: String, camera: String? = nil) { emit(.warning, c, m, camera: camera) }
    public static func error(_ c: String, _ m: String, camera: String? = nil) { emit(.error, c, m, camera: camera) }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        guard contains(where: { $0 == "\n" || $0 == "\r" }) else { return self }
        return String(map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
