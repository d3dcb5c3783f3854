import CamsiftCore

/// The one error type of the Media module (swift-nio `FileSystemError` shape): a stable `code` callers switch
/// on, a `message` that names the input and says how to fix it, the underlying `cause` (a C library's code and
/// text), and the source `location` that raised it.
public struct MediaError: Error, CustomStringConvertible, Sendable {
    /// Extensible set of failure kinds (a struct, so adding one is not a source break).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case invalidArgument, undecodable, truncated, oversized, unsupported, outOfMemory, io, timeout,
                 notFound, unauthorized, endOfStream, cancelled, library
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A parameter the caller passed is out of range (e.g. a 0×0 target size).
        public static let invalidArgument = Code(.invalidArgument)
        /// Not a decodable image/stream (garbage, corrupt headers, corrupt entropy data).
        public static let undecodable = Code(.undecodable)
        /// Data ends early (a JPEG without its tail, a stream cut mid-frame).
        public static let truncated = Code(.truncated)
        /// Dimensions beyond what camsift will allocate for.
        public static let oversized = Code(.oversized)
        /// A valid but unsupported format (e.g. no video stream).
        public static let unsupported = Code(.unsupported)
        public static let outOfMemory = Code(.outOfMemory)
        /// Network or file I/O failed (connection refused, reset, unreachable).
        public static let io = Code(.io)
        /// Open or read exceeded its timeout (the interrupt callback fired).
        public static let timeout = Code(.timeout)
        /// The server answered that the resource does not exist (HTTP 404, missing file).
        public static let notFound = Code(.notFound)
        /// The server refused the credentials (HTTP 401/403).
        public static let unauthorized = Code(.unauthorized)
        /// The stream ended (EOF of a file, publisher stopped).
        public static let endOfStream = Code(.endOfStream)
        /// Stopped on request (shutdown).
        public static let cancelled = Code(.cancelled)
        /// Any other failure reported by FFmpeg or TurboJPEG.
        public static let library = Code(.library)

        public var description: String { kind.rawValue }
    }

    /// A C library's own failure report, kept verbatim for logs.
    public struct Cause: Sendable, CustomStringConvertible {
        /// `libavformat`, `turbojpeg`, ...
        public var library: String
        /// The library's numeric code (an AVERROR, a tjGetErrorCode value).
        public var code: Int32
        public var text: String
        public init(library: String, code: Int32, text: String) {
            self.library = library
            self.code = code
            self.text = text
        }
        public var description: String { "\(library) \(code): \(text)" }
    }

    public var code: Code
    /// What failed, on which input, and how to fix it. Never contains credentials (URLs are redacted).
    public var message: String
    public var cause: Cause?
    public var location: String

    public init(_ code: Code, _ message: String, cause: Cause? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    public var description: String {
        var s = "\(code): \(message)"
        if let cause { s += " (\(cause))" }
        return s
    }

    /// The reject reason a frame with this error is counted under, or nil when the error is not the frame's
    /// fault (a bad argument, shutdown).
    public var rejectReason: RejectReason? {
        switch code {
        case .truncated: .truncated
        case .undecodable, .unsupported: .undecodable
        case .oversized: .oversized
        default: nil
        }
    }

    /// Whether retrying the same input later can succeed (network blips, timeouts) as opposed to answers that
    /// will not change soon (404, 401/403, unsupported format), which the supervisor backs off from slowly.
    public var isRetryable: Bool {
        switch code {
        case .notFound, .unauthorized, .unsupported, .invalidArgument: false
        default: true
        }
    }
}
