import CFFmpeg
import CamsiftCore

/// The single choke point for FFmpeg return codes (one checking helper per C library), plus the mapping of
/// AVERRORs onto `MediaError.Code` so the stream supervisor can tell a 404 from a network blip.
enum FFmpeg {
    /// `FFERRTAG(a,b,c,d)` is a macro; these are its values for the HTTP answers libavformat reports.
    private static func tag(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Int32 {
        -(Int32(a) | Int32(b) << 8 | Int32(c) << 16 | Int32(d) << 24)
    }
    static let httpBadRequest = tag(0xF8, 0x34, 0x30, 0x30)   // '400'
    static let httpUnauthorized = tag(0xF8, 0x34, 0x30, 0x31) // '401'
    static let httpForbidden = tag(0xF8, 0x34, 0x30, 0x33)    // '403'
    static let httpNotFound = tag(0xF8, 0x34, 0x30, 0x34)     // '404'

    /// Throws a `MediaError` for a negative `rc`; returns `rc` otherwise. `what` names the call,
    /// `subject` the camera/URL (already redacted) so the message says where it failed.
    @discardableResult
    static func check(_ rc: Int32, _ what: String, _ subject: String, fix: String? = nil) throws(MediaError) -> Int32 {
        guard rc < 0 else { return rc }
        throw error(rc, what, subject, fix: fix)
    }

    static func error(_ rc: Int32, _ what: String, _ subject: String, fix: String? = nil) -> MediaError {
        let code = code(for: rc)
        let hint = fix ?? defaultFix(code)
        return MediaError(code, "\(what) failed for \(subject): \(errorText(rc)); \(hint)",
                          cause: .init(library: "ffmpeg", code: rc, text: errorText(rc)))
    }

    static func errorText(_ rc: Int32) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 128) { buf in
            buf.initialize(repeating: 0)
            if cffmpeg_strerror(rc, buf.baseAddress, 128) < 0 { return "error \(rc)" }
            return String(cString: buf.baseAddress!)
        }
    }

    static func code(for rc: Int32) -> MediaError.Code {
        switch rc {
        case cffmpeg_AVERROR_EOF(): .endOfStream
        case cffmpeg_AVERROR_EXIT(): .cancelled
        case cffmpeg_AVERROR_ETIMEDOUT(): .timeout
        case cffmpeg_AVERROR_INVALIDDATA(): .undecodable
        case httpNotFound, cffmpeg_AVERROR(ENOENT): .notFound
        case httpUnauthorized, httpForbidden, cffmpeg_AVERROR(EACCES): .unauthorized
        case cffmpeg_AVERROR(ENOMEM): .outOfMemory
        case cffmpeg_AVERROR(ECONNREFUSED), cffmpeg_AVERROR(ECONNRESET), cffmpeg_AVERROR(EIO),
             cffmpeg_AVERROR(EHOSTUNREACH), cffmpeg_AVERROR(ENETUNREACH), cffmpeg_AVERROR(EPIPE): .io
        default: .library
        }
    }

    private static func defaultFix(_ code: MediaError.Code) -> String {
        switch code {
        case .notFound: "check the camera URL's path/stream name"
        case .unauthorized: "check the camera's auth user and password file"
        case .timeout: "the server is slow or not publishing; raise the camera's timeout if it is just slow"
        case .io: "check that the server is up and reachable"
        case .endOfStream: "the publisher stopped; camsift reconnects with backoff"
        case .undecodable: "the stream is corrupt or not a video format FFmpeg knows"
        default: "see the FFmpeg message"
        }
    }
}
