/// The Serving module's one error type: a model file or bundle that cannot be served, or an input that
/// cannot be fed to it. `message` names the file and says how to fix it.
public struct ServingError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable { case badBundle, badModel, badInput }
        private let value: Value
        private init(_ v: Value) { value = v }
        /// `bundle.json` is missing, unreadable, of an unknown format, or names missing files.
        public static let badBundle = Code(.badBundle)
        /// A model file cannot be loaded for serving.
        public static let badModel = Code(.badModel)
        /// Frames or tensors do not fit the model's input geometry.
        public static let badInput = Code(.badInput)
        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }
}
