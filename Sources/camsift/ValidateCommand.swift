#if canImport(Glibc)
import Glibc
#endif

enum ValidateCommand: CamsiftCommand {
    static let name = "validate"
    static let abstract = "check registry files and the config"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift validate: not built yet\n")
        return ExitStatus.software
    }
}
