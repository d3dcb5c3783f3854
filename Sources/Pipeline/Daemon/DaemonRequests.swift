import Synchronization

/// What signals, the registry watcher and the housekeeping thread ask of the daemon's control loop.
///
/// Requests are flags, not a queue: any number of SIGHUPs or inotify bursts while a reload runs collapse into
/// one more reload, a stop request is never lost behind ticks, and memory stays bounded whatever arrives.
/// The loop is woken through a one-slot `AsyncStream`.
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
    public func stop(_ reason: String) { post { if $0.stop == nil { $0.stop = reason } } }

    /// Takes everything pending (the loop handles it all in one go).
    func take() -> Pending {
        pending.withLock { p in
            let out = p
            p = Pending()
            return out
        }
    }

    func finish() { wake.finish() }
}
