#if canImport(Glibc)
import Glibc
#endif

enum TrainCommand: CamsiftCommand {
    static let name = "train"
    static let abstract = "train a model bundle from a labeled archive"
    static let usage = ""
    static func run(_ args: [String]) async throws -> Int32 {
        Console.error("camsift train: not built yet\n")
        return ExitStatus.software
    }
}
