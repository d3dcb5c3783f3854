#if canImport(Glibc)
import Glibc
#endif

/// Write-temp, fsync, rename: the file at `path` is always a complete old or new version.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(PipelineError) {
        let tmp = path + ".tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .errno(.io, "cannot create '\(tmp)' — is the directory writable?") }
        var off = 0
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buf in
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n > 0 { off += n; continue }
                if n < 0 && errno == EINTR { continue }
                failure = n == 0 ? EIO : errno
                return
            }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0 && rename(tmp, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(tmp)
            throw .errno(.io, "cannot write '\(path)'", errno: failure)
        }
    }
}
