#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore

/// A model's version as written in every log line: the first 12 hex digits of the model file's own
/// SHA-256 trailer (docs/model-format.md), so two files with equal weights share a version and any change
/// shows. Reads 32 bytes; the full checksum is verified when the file is loaded.
public enum ModelVersion {
    public static func of(modelFile path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "unknown" }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 32 else { return "unknown" }
        var digest = [UInt8](repeating: 0, count: 32)
        let n = digest.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 32, off_t(st.st_size) - 32) }
        guard n == 32 else { return "unknown" }
        return String(SHA256.hex(digest).prefix(12))
    }
}
