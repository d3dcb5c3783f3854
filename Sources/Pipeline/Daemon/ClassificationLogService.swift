import CamsiftCore

/// Closes the classification log when the daemon stops — after the pipeline drained, so the last batches are
/// in it (`fdatasync` then `close`; appends after that fail cleanly and are counted). The log itself is opened
/// before the group runs, so a log that cannot be opened fails the start (and SIGHUP reopens it through
/// `CameraFleet`).
public struct ClassificationLogService: Service {
    public let log: ClassificationLogWriter

    public init(log: ClassificationLogWriter) { self.log = log }

    public func run() async throws {
        reportServiceStarted()
        try? await gracefulShutdown()
        await DedicatedThread.run("camsift-logclose") { [log] in log.close() }
        let stats = log.stats
        OperationalLog.notice("daemon", "classification log closed: \(stats.lines) lines written, "
            + "\(stats.failedLines) failed")
    }
}
