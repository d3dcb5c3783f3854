/// The one error type of the NN module (swift-nio `FileSystemError` shape): a `code` to switch on, a `message`
/// that says what is wrong and how to fix it, an optional underlying `cause`, and where it was raised.
public struct NNError: Error, CustomStringConvertible, Sendable {
    /// Extensible error code: a struct wrapping a private enum so new codes are not source-breaking.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Wrapped: Hashable, Sendable {
            case shapeMismatch, invalidArgument, missingTensor, unknownTensor, state, io, format
        }
        let wrapped: Wrapped
        /// Tensor shapes do not fit the layer (channel count, rank, spatial size).
        public static let shapeMismatch = Code(wrapped: .shapeMismatch)
        /// A hyper-parameter or argument is out of range.
        public static let invalidArgument = Code(wrapped: .invalidArgument)
        /// `load(named:)` did not receive a tensor the model needs.
        public static let missingTensor = Code(wrapped: .missingTensor)
        /// `load(named:)` received a tensor the model does not have (strict loading).
        public static let unknownTensor = Code(wrapped: .unknownTensor)
        /// A call came in the wrong order (backward before forward, ...).
        public static let state = Code(wrapped: .state)
        /// Reading or writing a file failed.
        public static let io = Code(wrapped: .io)
        /// A file's content is malformed (model file, dataset).
        public static let format = Code(wrapped: .format)
        public var description: String { "\(wrapped)" }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error & Sendable)?
    public var location: String

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil,
                file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    public var description: String {
        var text = "NNError.\(code): \(message)"
        if let cause { text += " (cause: \(cause))" }
        return text
    }
}
