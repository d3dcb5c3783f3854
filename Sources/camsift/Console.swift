#if canImport(Glibc)
import Glibc
#endif

/// Terminal output for commands. stderr is written with write(2): C's `stderr` global is not
/// concurrency-safe in Swift 6, and a single write keeps a message whole.
enum Console {
    static func error(_ message: String) { write(fd: 2, message.hasSuffix("\n") ? message : message + "\n") }

    static func out(_ message: String) { write(fd: 1, message) }

    static func write(fd: Int32, _ s: String) {
        var bytes = Array(s.utf8)
        bytes.withUnsafeMutableBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                off += n
            }
        }
    }

    /// Whether stdout is a terminal (progress bars and colours only then).
    static var stdoutIsTTY: Bool { isatty(1) != 0 }
}
