import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The state FFmpeg's `interrupt_callback` polls while it blocks in open/read: a stop flag (shutdown) and a
/// deadline (open/read timeout). libavformat's network protocols poll in ≤100 ms slices and call the
/// callback between them, so `stop()` ends a blocked `av_read_frame` within ~0.1 s.
public final class StreamInterrupt: Sendable {
    private let stopped = Atomic<Bool>(false)
    /// Monotonic nanoseconds after which blocking calls are abandoned; `Int64.max` = no deadline.
    private let deadline = Atomic<Int64>(.max)

    public init() {}

    public func stop() { stopped.store(true, ordering: .releasing) }
    public var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Arms a timeout `seconds` from now for the next blocking call.
    public func arm(seconds: Double) {
        deadline.store(Self.now() &+ Int64(seconds * 1e9), ordering: .releasing)
    }
    public func disarm() { deadline.store(.max, ordering: .releasing) }

    public var isExpired: Bool { Self.now() >= deadline.load(ordering: .acquiring) }

    /// What the callback returns: nonzero aborts the blocking FFmpeg call with AVERROR_EXIT.
    var shouldAbort: Bool { isStopped || isExpired }

    /// Wall-clock seconds (Unix), for frame capture times.
    public static func wallNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Monotonic nanoseconds.
    public static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
