import CamsiftCore
import Pipeline

/// The console's upkeep as a daemon service: every `period` seconds it expires old review frames (retention)
/// and forgets cameras that left the registry; on shutdown — after inference drained, so no more offers come —
/// it flushes the review queue's writer and closes the label store.
public struct ConsoleService: Service {
    public let console: OperatorConsole
    public let running: @Sendable () -> Set<String>
    public let period: Double

    public init(console: OperatorConsole, running: @escaping @Sendable () -> Set<String>, period: Double = 60) {
        self.console = console
        self.running = running
        self.period = period
    }

    public func run() async throws {
        reportServiceStarted()
        let console = console, running = running, period = period
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(period))
                await DedicatedThread.run("camsift-console-upkeep") {
                    do {
                        let n = try console.labelling?.queue.expire() ?? 0
                        if n > 0 { OperationalLog.info("console", "review queue: \(n) unlabelled frame(s) expired") }
                    } catch {
                        OperationalLog.warning("console", "review queue expiry failed: \(error)")
                    }
                    console.live.retain(only: running())
                }
            }
        }
        await DedicatedThread.run("camsift-console-close") {
            console.labelling?.queue.close()
            console.labelling?.store.close()
        }
    }
}
