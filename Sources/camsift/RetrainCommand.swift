#if canImport(Glibc)
import Glibc
#endif

enum RetrainCommand: CamsiftCommand {
    static let name = "retrain"
    static let abstract = "ask the running daemon to retrain (SIGUSR1)"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift retrain: not built yet\n")
        return ExitStatus.software
    }
}
