#if canImport(Glibc)
import Glibc
#endif

/// The Pipeline module's one error type (swift-nio FileSystemError style: what failed, how to fix, cause).
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable { case config, system, model, training }
    public var code: Code
    /// What went wrong and how to fix it.
    public var message: String
    /// errno when a system call failed.
    public var errnoCode: Int32?

    public init(code: Code, message: String, errnoCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.errnoCode = errnoCode
    }

    public static func config(_ m: String) -> PipelineError { .init(code: .config, message: m) }
    public static func system(_ what: String, _ e: Int32) -> PipelineError {
        .init(code: .system, message: "\(what): \(String(cString: strerror(e)))", errnoCode: e)
    }
    public static func model(_ m: String) -> PipelineError { .init(code: .model, message: m) }

    public var description: String { message }
}
