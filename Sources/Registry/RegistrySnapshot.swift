import CamsiftCore

/// The registry as loaded at one moment: the effective cameras, which file defines which, and every problem.
///
/// Pass the last snapshot back to `RegistryLoader.load(directory:previous:)`: it is both the fallback for
/// files that became invalid (their cameras keep the previous definition) and the parse cache that makes a
/// one-file reload cost one parse.
public struct RegistrySnapshot: Sendable {
    /// id -> effective camera (aggregator defaults applied).
    public var cameras: [String: Camera]
    /// file path -> ids of the cameras it defines (for a skipped file: the ids kept from before).
    public var files: [String: [String]]
    public var problems: [RegistryProblem]

    /// Parsed files by path, with the stat stamp they were parsed at.
    var cache: [String: ParsedFile] = [:]
    /// Paths parsed (not taken from the cache) by the load that made this snapshot; tests assert on it.
    var parsedPaths: [String] = []
    /// How many files that load read from disk (cache misses on the stat stamp).
    var readCount = 0

    public init(cameras: [String: Camera] = [:], files: [String: [String]] = [:], problems: [RegistryProblem] = []) {
        self.cameras = cameras
        self.files = files
        self.problems = problems
    }

    public var errors: [RegistryProblem] { problems.filter(\.isError) }
    public var warnings: [RegistryProblem] { problems.filter { !$0.isError } }
    public var hasErrors: Bool { problems.contains(where: \.isError) }
}
