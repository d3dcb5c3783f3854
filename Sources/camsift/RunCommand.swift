#if canImport(Glibc)
import Glibc
#endif

enum RunCommand: CamsiftCommand {
    static let name = "run"
    static let abstract = "run the daemon in the foreground"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift run: not built yet\n")
        return ExitStatus.software
    }
}
