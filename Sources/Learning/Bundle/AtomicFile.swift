#if canImport(Glibc)
import Glibc
#endif

/// Crash-safe file replacement: write `NAME.tmp-PID`, fsync, rename over `NAME`, fsync the directory — a
/// crash leaves the old or the new content, never a torn file (the pipeline hot-swaps bundles).
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws {
        let tmp = "\(path).tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LearningError(.io, "cannot create '\(tmp)' (errno \(errno)); check the directory is writable") }
        var ok = true
        bytes.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 { if errno == EINTR { continue }; ok = false; return }
                off += n
            }
        }
        if ok { ok = fsync(fd) == 0 }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw LearningError(.io, "cannot write '\(path)' (errno \(e)); check free space")
        }
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}
