#if canImport(Glibc)
import Glibc
#endif

/// The Pipeline module's one error type, in swift-nio `FileSystemError` style: a `code` to switch on, a
/// `message` that says what failed and how to fix it, the underlying `cause` (an errno or another error) and
/// where it was thrown.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable { case io, config, alreadyRunning, notRunning, invalidArgument, unavailable, model }
        private let value: Value
        private init(_ v: Value) { value = v }
        /// A system call on a file or socket failed.
        public static let io = Code(.io)
        /// The daemon's config file or a flag is unusable (exit status 78).
        public static let config = Code(.config)
        /// Another daemon holds the pid file of this state directory.
        public static let alreadyRunning = Code(.alreadyRunning)
        /// No daemon runs for this state directory.
        public static let notRunning = Code(.notRunning)
        public static let invalidArgument = Code(.invalidArgument)
        /// A required facility (e.g. `$NOTIFY_SOCKET`) cannot be used.
        public static let unavailable = Code(.unavailable)
        /// A model bundle is missing, unreadable or was refused.
        public static let model = Code(.model)
        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?
    public var location: String

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil,
                file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    /// An errno from a failed system call, with `strerror` text.
    public static func errno(_ code: Code, _ message: String, errno e: Int32 = Glibc.errno,
                             file: String = #fileID, line: Int = #line) -> PipelineError {
        PipelineError(code, message, cause: Errno(value: e), file: file, line: line)
    }

    public static func config(_ m: String, file: String = #fileID, line: Int = #line) -> PipelineError {
        PipelineError(.config, m, file: file, line: line)
    }

    public static func model(_ m: String, file: String = #fileID, line: Int = #line) -> PipelineError {
        PipelineError(.model, m, file: file, line: line)
    }

    /// A failed system call `what` with its errno.
    public static func system(_ what: String, _ e: Int32, file: String = #fileID, line: Int = #line) -> PipelineError {
        errno(.io, what, errno: e, file: file, line: line)
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
