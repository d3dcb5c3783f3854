#if canImport(Glibc)
import Glibc
#endif

enum StatusCommand: CamsiftCommand {
    static let name = "status"
    static let abstract = "show daemon status"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift status: not built yet\n")
        return ExitStatus.software
    }
}
