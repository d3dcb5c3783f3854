#if canImport(Glibc)
import Glibc
#endif

/// The WebServer module's one error type, in the style of swift-nio's `FileSystemError`: a `code` to switch on, a
/// `message` that says what failed — naming the address, file or config key — and how to fix it, the underlying
/// `cause` (an errno) and where it was thrown. Operators read these in the journal at start-up, so the message is
/// written for them, not for us.
public struct WebServerError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable { case invalidAddress, bind, accessPolicy, tokenFile, library }
        private let value: Value
        private init(_ v: Value) { value = v }
        /// The listen address is not `HOST:PORT` with a numeric IPv4/IPv6 host (or `localhost`).
        public static let invalidAddress = Code(.invalidAddress)
        /// The address could not be bound (taken port, no such local address, no permission).
        public static let bind = Code(.bind)
        /// The access rules refuse this configuration (e.g. a non-loopback address without a token).
        public static let accessPolicy = Code(.accessPolicy)
        /// The token file is missing, unreadable or empty.
        public static let tokenFile = Code(.tokenFile)
        /// libmicrohttpd refused a call (see `MHDCall`).
        public static let library = Code(.library)
        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?
    public var location: String

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    /// A failed system call, with the errno's `strerror` text as the cause.
    public static func errno(_ code: Code, _ message: String, errno e: Int32 = Glibc.errno,
                             file: String = #fileID, line: Int = #line) -> WebServerError {
        WebServerError(code, message, cause: Errno(value: e), file: file, line: line)
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }

    /// A raw errno as an error, printed with its `strerror` text.
    public struct Errno: Error, CustomStringConvertible, Sendable {
        public var value: Int32
        public var description: String { String(cString: strerror(value)) + " [errno \(value)]" }
    }
}
