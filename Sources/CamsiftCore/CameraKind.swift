/// How camsift reaches a camera. The kind decides which ingest source runs it.
public enum CameraKind: String, Codable, Sendable, CaseIterable {
    /// HTTP `multipart/x-mixed-replace` stream of JPEG parts (most IP cameras).
    case mjpeg
    /// HTTP GET of a single JPEG, polled every `interval` (aggregator web servers, many IP cameras).
    case snapshot
    /// RTMP stream, opened with libavformat.
    case rtmp
    /// Anything else FFmpeg opens: rtsp, hls, local files.
    case stream

    /// URL schemes that make sense for this kind; validation rejects the others.
    public var allowedSchemes: Set<String> {
        switch self {
        case .mjpeg, .snapshot: ["http", "https"]
        case .rtmp: ["rtmp", "rtmps", "rtmpt"]
        case .stream: ["rtsp", "rtsps", "http", "https", "file", "udp", "rtp", "srt", "tcp"]
        }
    }

    /// Whether libcurl (true) or libavformat (false) carries this kind.
    public var isHTTP: Bool { self == .mjpeg || self == .snapshot }
}
