import Synchronization

/// Counters that prove the daemon is alive for the systemd watchdog.
///
/// `WATCHDOG=1` is sent only when the control loop ticked since the last ping (it is not wedged) *and* the
/// pipeline is not stalled. "Stalled" means frames came in (`intake` advanced) but none came out (`output` did
/// not): a daemon whose cameras are all offline is idle, not stuck, and must not be restarted for it.
public final class PipelineProgress: Sendable {
    /// Bumped by the daemon's control loop on every housekeeping tick.
    public let heartbeat = Atomic<UInt64>(0)
    /// Frames accepted from ingest.
    public let intake = Atomic<UInt64>(0)
    /// Frames classified (or deliberately dropped) by the pipeline.
    public let output = Atomic<UInt64>(0)

    public init() {}

    public struct Mark: Sendable, Equatable {
        var heartbeat: UInt64 = 0
        var intake: UInt64 = 0
        var output: UInt64 = 0
    }

    public func mark() -> Mark {
        Mark(heartbeat: heartbeat.load(ordering: .relaxed), intake: intake.load(ordering: .relaxed),
             output: output.load(ordering: .relaxed))
    }

    /// Whether the state moved on from `previous` in the sense above.
    public func madeProgress(since previous: Mark) -> Bool {
        let now = mark()
        guard now.heartbeat != previous.heartbeat else { return false }
        return now.output != previous.output || now.intake == previous.intake
    }
}
