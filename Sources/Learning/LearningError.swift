/// The one error type of the Learning module, in swift-nio `FileSystemError` shape: a code to switch on,
/// a message that names the file/field and says how to fix it, an optional underlying cause, and where it
/// was raised.
public struct LearningError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable { case badArchive, badManifest, badImage, badArgument, badBundle, io }
        private let value: Value
        private init(_ v: Value) { value = v }
        /// The archive directory is missing, empty or has too few images per class.
        public static let badArchive = Code(.badArchive)
        /// `labels.csv` has a malformed line or names a missing file.
        public static let badManifest = Code(.badManifest)
        /// An image could not be decoded.
        public static let badImage = Code(.badImage)
        /// A parameter is out of range.
        public static let badArgument = Code(.badArgument)
        /// A model bundle is missing a file or is inconsistent.
        public static let badBundle = Code(.badBundle)
        /// Reading or writing a file failed.
        public static let io = Code(.io)
        public var description: String { value.rawValue }
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
        var s = message
        if let cause { s += " (cause: \(cause))" }
        return s
    }
}
