#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// camsift's one monotonic clock (CLOCK_MONOTONIC, read through the vDSO: no system call): deadlines, backoff,
/// watchdogs, spin budgets and systemd's `MONOTONIC_USEC`. Wall-clock time (capture times, log lines, file ages)
/// is `Timestamp.now()`; nothing else reads a clock.
public enum Monotonic {
    /// Seconds since an arbitrary fixed point (boot).
    public static func now() -> Double {
        let ns = nanoseconds()
        return Double(ns / 1_000_000_000) + Double(ns % 1_000_000_000) * 1e-9
    }

    /// Nanoseconds since an arbitrary fixed point (boot).
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
