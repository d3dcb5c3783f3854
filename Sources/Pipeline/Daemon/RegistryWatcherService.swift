import CamsiftCore
import Registry

/// Watches the registry directory with inotify and posts a reload to the control loop per burst of changes.
/// A watcher that cannot start is reported and skipped: SIGHUP still reloads.
public struct RegistryWatcherService: Service {
    public let directory: String
    public let debounce: Double
    public let requests: DaemonRequests

    public init(directory: String, debounce: Double = 0.2, requests: DaemonRequests) {
        self.directory = directory
        self.debounce = debounce
        self.requests = requests
    }

    public func run() async throws {
        var watcher: RegistryWatcher?
        do {
            watcher = try RegistryWatcher(directory: directory, debounce: debounce) { [requests] in
                requests.reload("inotify")
            }
        } catch {
            OperationalLog.warning("daemon", "not watching '\(directory)' for changes (\(error)); "
                + "reload with SIGHUP (systemctl reload camsift)")
        }
        reportServiceStarted()
        try? await gracefulShutdown()
        if let w = watcher { await DedicatedThread.run("camsift-unwatch") { w.stop() } }
    }
}
