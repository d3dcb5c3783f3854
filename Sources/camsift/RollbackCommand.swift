#if canImport(Glibc)
import Glibc
#endif

enum RollbackCommand: CamsiftCommand {
    static let name = "rollback"
    static let abstract = "restore the previous model bundle"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift rollback: not built yet\n")
        return ExitStatus.software
    }
}
