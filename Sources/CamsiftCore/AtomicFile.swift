#if canImport(Glibc)
import Glibc
#endif

/// The one crash-safe file replacement every module uses (models, bundles, reports, archived frames, the state
/// file): write `NAME.tmp-PID`, fsync it, rename it over `NAME`, fsync the directory. A crash at any point
/// leaves the previous file or the complete new one, never a torn file; the directory fsync makes the rename
/// itself survive a power loss (without it a bundle could be "promoted" and then vanish at the next boot).
public enum AtomicFile {
    /// Why a write failed: which step and the errno, so callers can wrap it in their own error with their fix.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let path: String
        /// `create`, `write`, `fsync`, `rename` or `fsync directory`.
        public let step: String
        public let errno: Int32

        public var description: String {
            "cannot write '\(path)': \(step) failed: \(String(cString: strerror(errno))) (errno \(errno)); "
                + "check the directory exists, is writable and has free space"
        }
    }

    /// Replaces `path` with `bytes` (mode 0644). On failure the temporary file is removed and `path` is untouched.
    /// `syncDirectory: false` skips the directory fsync where losing the newest file to a power cut is acceptable
    /// and the rate is high (archived frames: thousands of cameras; a torn file is still impossible).
    public static func write(_ bytes: [UInt8], to path: String, syncDirectory sync: Bool = true) throws(Failure) {
        let tmp = "\(path).tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(path: path, step: "create \(tmp)", errno: errno) }
        var failure: Failure?
        bytes.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n > 0 { off += n; continue }
                if n < 0 && errno == EINTR { continue }
                failure = Failure(path: path, step: "write", errno: n == 0 ? EIO : errno)
                return
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = Failure(path: path, step: "fsync", errno: errno) }
        close(fd)
        if failure == nil && rename(tmp, path) != 0 { failure = Failure(path: path, step: "rename", errno: errno) }
        if let failure {
            unlink(tmp)
            throw failure
        }
        guard sync else { return }
        let dir: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            dir = "."
        }
        try syncDirectory(dir)
    }

    /// fsyncs a directory, so a rename, a new entry or a removal in it is durable.
    public static func syncDirectory(_ dir: String) throws(Failure) {
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw Failure(path: dir, step: "open directory", errno: errno) }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw Failure(path: dir, step: "fsync directory", errno: errno) }
    }
}
