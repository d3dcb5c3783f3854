/// Holds `STATE/camsift.pid` while the daemon runs: taken first (a second daemon on the same state directory
/// fails here, exit 69, before it starts anything else), removed last, after the log is closed.
public struct PIDFileService: Service {
    public let stateDirectory: String

    public init(stateDirectory: String) { self.stateDirectory = stateDirectory }

    public func run() async throws {
        try Daemon.makeDirectories(stateDirectory)
        let file = try PIDFile(stateDirectory: stateDirectory)
        reportServiceStarted()
        try? await gracefulShutdown()
        file.remove()
    }
}
