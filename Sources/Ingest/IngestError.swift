/// The one error type of the Ingest module, in swift-nio `FileSystemError` style: a `code` to branch on, a
/// `message` that names the camera/URL (credentials redacted) and says how to fix it, the underlying `cause`,
/// and where it was raised.
public struct IngestError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case invalidOptions, curl, http, timeout, noFrames, connectionClosed, unsupportedCamera, resource,
                 notFound, unauthorized, stream
        }
        let value: Value
        public static let invalidOptions = Code(value: .invalidOptions)
        /// libcurl reported a transport error (refused, reset, TLS, DNS, too many redirects...).
        public static let curl = Code(value: .curl)
        /// The server answered with an HTTP error status.
        public static let http = Code(value: .http)
        /// Connect, low-speed or whole-request timeout.
        public static let timeout = Code(value: .timeout)
        /// Bytes arrive but no complete JPEG does (garbage, wrong content, endless part).
        public static let noFrames = Code(value: .noFrames)
        /// The server closed a stream that should have stayed open.
        public static let connectionClosed = Code(value: .connectionClosed)
        public static let unsupportedCamera = Code(value: .unsupportedCamera)
        /// A process resource (file descriptors, threads, curl handles) could not be obtained.
        public static let resource = Code(value: .resource)
        /// A stream's server or file says the stream does not exist (HTTP cameras report `.http` + status).
        public static let notFound = Code(value: .notFound)
        /// A stream's server refused the credentials, or the password file is unreadable.
        public static let unauthorized = Code(value: .unauthorized)
        /// Any other failure FFmpeg reported while opening or reading a stream (refused, reset, corrupt).
        public static let stream = Code(value: .stream)
        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    /// The HTTP status when `code == .http`.
    public var httpStatus: Int?
    public var cause: (any Error & Sendable)?
    public var location: String

    public init(_ code: Code, _ message: String, httpStatus: Int? = nil, cause: (any Error & Sendable)? = nil,
                file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    /// Answers that will not change by retrying soon (wrong credentials, wrong path): the supervisor parks the
    /// camera as offline and retries on the slowest backoff step instead of hammering the server.
    public var isPermanent: Bool {
        if code == .http, let s = httpStatus { return s == 401 || s == 403 || s == 404 || s == 410 }
        if code == .unsupportedCamera || code == .notFound || code == .unauthorized { return true }
        if case .some(let c as CurlError) = cause { return c.isPermanent }
        return false
    }

    public var description: String {
        var s = "\(message)"
        if let cause { s += " (cause: \(cause))" }
        return s
    }
}
