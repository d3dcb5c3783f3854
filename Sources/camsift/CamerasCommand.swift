#if canImport(Glibc)
import Glibc
#endif

enum CamerasCommand: CamsiftCommand {
    static let name = "cameras"
    static let abstract = "show per-camera health"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift cameras: not built yet\n")
        return ExitStatus.software
    }
}
