#if canImport(Glibc)
import Glibc
#endif

enum GrabCommand: CamsiftCommand {
    static let name = "grab"
    static let abstract = "save frames from one camera"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift grab: not built yet\n")
        return ExitStatus.software
    }
}
