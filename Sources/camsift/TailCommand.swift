#if canImport(Glibc)
import Glibc
#endif

enum TailCommand: CamsiftCommand {
    static let name = "tail"
    static let abstract = "print the classification log"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift tail: not built yet\n")
        return ExitStatus.software
    }
}
