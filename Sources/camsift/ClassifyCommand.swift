#if canImport(Glibc)
import Glibc
#endif

enum ClassifyCommand: CamsiftCommand {
    static let name = "classify"
    static let abstract = "classify image files, print top-5"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift classify: not built yet\n")
        return ExitStatus.software
    }
}
