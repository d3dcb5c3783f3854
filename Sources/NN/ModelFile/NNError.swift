#if canImport(Glibc)
import Glibc
#endif

/// The NN module's one error type, in the shape of swift-nio's `FileSystemError`: a stable `code` to switch on,
/// a `message` that says what went wrong, where, and how to fix it, an optional underlying `cause`, and the
/// source `location` that raised it.
public struct NNError: Error, CustomStringConvertible, Sendable {
    /// Extensible error code (a struct around a private enum, so adding a case is not source-breaking).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case io, truncated, badMagic, unsupportedVersion, corrupt, checksumMismatch, missingTensor,
                 shapeMismatch, invalidArgument, unsupportedArchitecture, unknownTensor, state, format
        }

        fileprivate let base: Base
        fileprivate init(_ base: Base) { self.base = base }

        /// A system call on the file failed (open, read, write, fsync, rename).
        public static let io = Code(.io)
        /// The file ends before a part its header promises.
        public static let truncated = Code(.truncated)
        /// The first bytes are not the camsift model-file magic.
        public static let badMagic = Code(.badMagic)
        /// A format version this build does not read.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// The header is malformed (bad JSON, overlapping tensors, bad shapes).
        public static let corrupt = Code(.corrupt)
        /// The SHA-256 trailer does not match the content.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// A tensor the architecture needs is absent.
        public static let missingTensor = Code(.missingTensor)
        /// A tensor or input has a shape other than the one required.
        public static let shapeMismatch = Code(.shapeMismatch)
        /// A caller passed an argument outside its documented range.
        public static let invalidArgument = Code(.invalidArgument)
        /// The model file describes an architecture this builder does not construct.
        public static let unsupportedArchitecture = Code(.unsupportedArchitecture)

        /// `load(named:)` received a tensor the model does not have (strict loading).
        public static let unknownTensor = Code(.unknownTensor)
        /// A call came in the wrong order (backward before forward, ...).
        public static let state = Code(.state)
        /// A file's content is malformed (dataset).
        public static let format = Code(.format)

        public var description: String {
            switch base {
            case .unknownTensor: "unknownTensor"
            case .state: "state"
            case .format: "format"
            case .io: "io"
            case .truncated: "truncated"
            case .badMagic: "badMagic"
            case .unsupportedVersion: "unsupportedVersion"
            case .corrupt: "corrupt"
            case .checksumMismatch: "checksumMismatch"
            case .missingTensor: "missingTensor"
            case .shapeMismatch: "shapeMismatch"
            case .invalidArgument: "invalidArgument"
            case .unsupportedArchitecture: "unsupportedArchitecture"
            }
        }
    }

    /// Where the error was raised in camsift's sources.
    public struct Location: Sendable, CustomStringConvertible {
        public var function: String
        public var file: String
        public var line: Int
        public var description: String { "\(file):\(line) (\(function))" }
    }

    public var code: Code
    /// What went wrong, naming the file/tensor/field, and what to do about it.
    public var message: String
    /// The underlying error, e.g. an errno description.
    public var cause: (any Error & Sendable)?
    public var location: Location

    public init(code: Code, message: String, cause: (any Error & Sendable)? = nil,
                function: String = #function, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = Location(function: function, file: file, line: line)
    }

    /// The engine's short form (`NNError(.shapeMismatch, "…")`).
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil,
                function: String = #function, file: String = #fileID, line: Int = #line) {
        self.init(code: code, message: message, cause: cause, function: function, file: file, line: line)
    }

    public var description: String {
        var s = message
        if let cause { s += " (cause: \(cause))" }
        return s
    }
}

/// An errno value as an error cause, printed with strerror(3).
public struct Errno: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public init(_ code: Int32) { self.code = code }
    public var description: String { String(cString: strerror(code)) + " (errno \(code))" }
}
