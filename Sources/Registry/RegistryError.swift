/// The Registry module's one error type, in the shape of swift-nio's `FileSystemError`: a `code` to switch
/// on, a `message` that says what went wrong and how to fix it, the `path` involved, an optional
/// underlying `cause`, and the source `location` that threw (for bug reports, not for users).
///
/// Registry *content* problems are not thrown: they are `RegistryProblem`s in a `RegistrySnapshot`, so one
/// bad file never hides the others. This error is for what stops an operation outright: an unreadable
/// config file, an invalid config, an inotify watch that cannot be set up.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable { case notFound, io, invalidConfig, watch }
        private let wrapped: Wrapped
        private init(_ w: Wrapped) { wrapped = w }

        /// The file or directory does not exist.
        public static let notFound = Code(.notFound)
        /// A read or other system call failed.
        public static let io = Code(.io)
        /// The config file has errors; see `problems`.
        public static let invalidConfig = Code(.invalidConfig)
        /// inotify could not be set up.
        public static let watch = Code(.watch)

        public var description: String {
            switch wrapped {
            case .notFound: "notFound"
            case .io: "io"
            case .invalidConfig: "invalidConfig"
            case .watch: "watch"
            }
        }
    }

    /// Where in camsift's source the error was thrown.
    public struct Location: Sendable, Hashable {
        public var function: String
        public var file: String
        public var line: Int
    }

    public var code: Code
    /// What went wrong and how to fix it.
    public var message: String
    public var path: String
    /// The individual problems, for `.invalidConfig` (one line each when printed).
    public var problems: [RegistryProblem]
    public var cause: (any Error & Sendable)?
    public var location: Location

    public init(code: Code, message: String, path: String, problems: [RegistryProblem] = [],
                cause: (any Error & Sendable)? = nil,
                function: String = #function, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.path = path
        self.problems = problems
        self.cause = cause
        self.location = Location(function: function, file: file, line: line)
    }

    public var description: String {
        var s = "\(path): \(message)"
        if let cause { s += " (\(cause))" }
        for p in problems { s += "\n" + p.description }
        return s
    }
}
