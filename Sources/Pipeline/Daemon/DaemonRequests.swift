import Synchronization

/// What signals, the registry watcher and the housekeeper ask of the daemon.
///
/// Reloads, log reopening, retrains and ticks go to the camera control loop (`CameraFleet`) as flags, not a
/// queue: any number of SIGHUPs or inotify bursts while a reload runs collapse into one more reload, and memory
/// stays bounded whatever arrives. The loop is woken through a one-slot `AsyncStream`.
///
/// The stop request is sticky and goes to the `ServiceGroup` (`stopRequested()`), which shuts every service
/// down in order; the control loop only stops taking on new work once it is set.
public final class DaemonRequests: Sendable {
    public struct Pending: Sendable, Equatable {
        public var reload = false
        public var reloadReasons: [String] = []
        public var reopenLog = false
        public var retrain = 0
        public var tick = false
        public var stop: String?
        var isEmpty: Bool { !reload && !reopenLog && retrain == 0 && !tick && stop == nil }
    }

    private let pending = Mutex(Pending())
    private let stopLatch = Latch<String>()
    private let wake: AsyncStream<Void>.Continuation
    let wakeups: AsyncStream<Void>

    public init() {
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func post(_ change: (inout Pending) -> Void) {
        pending.withLock { p in
            change(&p)
            if p.reloadReasons.count > 8 { p.reloadReasons.removeFirst(p.reloadReasons.count - 8) }
        }
        wake.yield()
    }

    public func reload(_ reason: String) { post { $0.reload = true; $0.reloadReasons.append(reason) } }
    public func reopenLog() { post { $0.reopenLog = true } }
    public func retrain() { post { $0.retrain += 1 } }
    public func tick() { post { $0.tick = true } }

    /// Asks the daemon to stop (the first reason is kept; later requests change nothing).
    public func stop(_ reason: String) {
        post { if $0.stop == nil { $0.stop = reason } }
        stopLatch.fire(reason)
    }

    /// The reason of the first stop request, once there was one.
    public var stopReason: String? { stopLatch.value }

    /// Waits for a stop request and returns its reason; nil when the waiting task is cancelled first.
    public func stopRequested() async -> String? { await stopLatch.wait() }

    /// Takes everything pending (the loop handles it all in one go).
    func take() -> Pending {
        pending.withLock { p in
            let out = p
            p = Pending()
            return out
        }
    }

    /// Wakes the control loop without a request (it then notices a graceful shutdown).
    func wakeUp() { wake.yield() }
}
