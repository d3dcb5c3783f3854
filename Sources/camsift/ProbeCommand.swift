#if canImport(Glibc)
import Glibc
#endif

enum ProbeCommand: CamsiftCommand {
    static let name = "probe"
    static let abstract = "find a camera's MJPEG/snapshot paths"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift probe: not built yet\n")
        return ExitStatus.software
    }
}
