#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock helpers. Formatting is done by hand (gmtime_r) because it runs once per log line.
public enum Timestamp {
    /// Seconds since the Unix epoch, with sub-second precision.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// RFC 3339 UTC with milliseconds: `2026-11-23T05:00:00.123Z`.
    public static func rfc3339(_ t: Double) -> String {
        var secs = time_t(t.rounded(.down))
        var ms = Int(((t - Double(secs)) * 1000).rounded(.down))
        if ms >= 1000 { ms = 999 }
        if ms < 0 { ms = 0; secs = time_t(t) }
        var tmv = tm()
        gmtime_r(&secs, &tmv)
        func p(_ v: Int32, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(tmv.tm_year + 1900, 4))-\(p(tmv.tm_mon + 1, 2))-\(p(tmv.tm_mday, 2))T"
            + "\(p(tmv.tm_hour, 2)):\(p(tmv.tm_min, 2)):\(p(tmv.tm_sec, 2)).\(p(Int32(ms), 3))Z"
    }

    /// `YYYY-MM-DD` in UTC, used for archive day folders.
    public static func day(_ t: Double) -> String { String(rfc3339(t).prefix(10)) }
}
