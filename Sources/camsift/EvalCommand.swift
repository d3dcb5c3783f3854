#if canImport(Glibc)
import Glibc
#endif

enum EvalCommand: CamsiftCommand {
    static let name = "eval"
    static let abstract = "evaluate a model bundle on a labeled archive"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift eval: not built yet\n")
        return ExitStatus.software
    }
}
