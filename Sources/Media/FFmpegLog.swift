import CFFmpeg
import CamsiftCore
#if canImport(Glibc)
import Glibc
#endif

/// Routes FFmpeg's own log (`av_log`) into the operational log at warning level, once per process.
///
/// Without this FFmpeg prints straight to stderr, bypassing journald priorities and interleaving with our
/// single-write lines. Only warnings and errors are kept (`AV_LOG_WARNING` = 24); FFmpeg's per-frame info
/// chatter would flood the journal with thousands of cameras.
public enum FFmpegLog {
    private static let installed: Bool = {
        av_log_set_level(AV_LOG_WARNING)
        av_log_set_callback { _, level, fmt, va in
            guard level <= AV_LOG_WARNING, let fmt, let va else { return }
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: 1024) { buf in
                let n = vsnprintf(buf.baseAddress, 1024, fmt, va)
                guard n > 0 else { return }
                var text = String(cString: buf.baseAddress!)
                while text.last == "\n" || text.last == " " { text.removeLast() }
                guard !text.isEmpty else { return }
                OperationalLog.warning("ffmpeg", redacted(text))
            }
        }
        return true
    }()

    /// FFmpeg prints URLs it opens (e.g. "Connection to tcp://… failed", rtsp/http redirects); any token
    /// with a scheme goes through `URLRedaction` so `user:password@` and secret query values never reach logs.
    static func redacted(_ text: String) -> String {
        guard text.contains("://") else { return text }
        return text.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.contains("://") ? URLRedaction.redact(String($0)) : String($0) }
            .joined(separator: " ")
    }

    /// Idempotent and thread-safe (a Swift global's lazy initialiser runs once).
    public static func install() { _ = installed }
}
