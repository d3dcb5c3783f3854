import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore

/// The state FFmpeg's `interrupt_callback` polls while it blocks in open/read: a stop flag (shutdown) and a
/// deadline (open/read timeout). libavformat's network protocols poll in ≤100 ms slices and call the
/// callback between them, so `stop()` ends a blocked `av_read_frame` within ~0.1 s.
///
/// It is also the stop token of the thread that owns the stream: `pause` (backoff waits, real-time pacing)
/// returns as soon as `stop()` is called, so one `stop()` cuts short whatever that thread is blocked in.
public final class StreamInterrupt: Sendable {
    private let stopped = Atomic<Bool>(false)
    /// Monotonic nanoseconds after which blocking calls are abandoned; `Int64.max` = no deadline.
    private let deadline = Atomic<Int64>(.max)
    /// Signalled by `stop()` to end a `pause` early.
    private let wake = DispatchSemaphore(value: 0)

    public init() {}

    public func stop() {
        stopped.store(true, ordering: .releasing)
        wake.signal()
    }
    public var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Sleeps up to `seconds` on the calling (dedicated) thread; returns false at once, or as soon as `stop()`
    /// is called, when stopped. Meant for one waiting thread (the stream's own).
    public func pause(_ seconds: Double) -> Bool {
        if isStopped { return false }
        _ = wake.wait(timeout: .now() + .nanoseconds(Int(max(0, seconds) * 1e9)))
        if isStopped {
            wake.signal()   // keep the wake-up for any later pause
            return false
        }
        return true
    }

    /// Arms a timeout `seconds` from now for the next blocking call.
    public func arm(seconds: Double) {
        deadline.store(Self.now() &+ Int64(seconds * 1e9), ordering: .releasing)
    }
    public func disarm() { deadline.store(.max, ordering: .releasing) }

    public var isExpired: Bool { Self.now() >= deadline.load(ordering: .acquiring) }

    /// What the callback returns: nonzero aborts the blocking FFmpeg call with AVERROR_EXIT.
    var shouldAbort: Bool { isStopped || isExpired }

    /// Wall-clock seconds (Unix), for frame capture times.
    public static func wallNow() -> Double { Timestamp.now() }

    /// Monotonic nanoseconds.
    public static func now() -> Int64 { Int64(Monotonic.nanoseconds()) }
}
