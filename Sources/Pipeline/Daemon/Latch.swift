import Synchronization

/// A one-shot event: `fire(_:)` sets it once (the first value wins), `wait()` suspends until it is set, and
/// handlers registered before it fires run once when it does. The building block of graceful shutdown
/// (`ServiceContext`) and of the stop request (`DaemonRequests.stopRequested()`).
final class Latch<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Value?, Never>] = [:]
        var handlers: [UInt64: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    init() {}

    var value: Value? { state.withLock { $0.value } }

    /// Sets the value (once; later calls are ignored) and resumes every waiter and handler.
    func fire(_ value: Value) {
        let (waiters, handlers) = state.withLock { s -> ([CheckedContinuation<Value?, Never>], [@Sendable () -> Void]) in
            guard s.value == nil else { return ([], []) }
            s.value = value
            defer {
                s.waiters = [:]
                s.handlers = [:]
            }
            return (Array(s.waiters.values), Array(s.handlers.values))
        }
        for w in waiters { w.resume(returning: value) }
        for h in handlers { h() }
    }

    /// The value once fired, or nil if the calling task is cancelled first.
    func wait() async -> Value? {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Value?, Never>) in
                let now: Value?? = state.withLock { s in
                    if let v = s.value { return .some(v) }
                    if Task.isCancelled { return .some(nil) }
                    s.waiters[id] = c
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }

    /// Registers `handler` to run when the latch fires. Returns nil (and does not register) when it already
    /// fired: the caller runs the handler itself.
    func addHandler(_ handler: @escaping @Sendable () -> Void) -> UInt64? {
        state.withLock { s in
            guard s.value == nil else { return nil }
            s.nextID += 1
            s.handlers[s.nextID] = handler
            return s.nextID
        }
    }

    func removeHandler(_ id: UInt64) { _ = state.withLock { $0.handlers.removeValue(forKey: id) } }
}
