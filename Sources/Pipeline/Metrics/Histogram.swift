import Synchronization

/// A fixed-bucket histogram (cumulative on export, as Prometheus expects). Thread-safe.
public final class Histogram: Sendable {
    public let bounds: [Double]
    private struct State {
        var counts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }
    private let state: Mutex<State>

    /// Latency buckets in seconds, 5 ms … 10 s.
    public static let latencyBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public init(bounds: [Double] = Histogram.latencyBounds) {
        precondition(bounds == bounds.sorted() && !bounds.isEmpty, "histogram bounds must be ascending")
        self.bounds = bounds
        state = Mutex(State(counts: [UInt64](repeating: 0, count: bounds.count + 1)))
    }

    public func observe(_ v: Double) {
        var i = 0
        while i < bounds.count && v > bounds[i] { i += 1 }
        state.withLock {
            $0.counts[i] += 1
            $0.sum += v
            $0.count += 1
        }
    }

    /// Quantile estimate (upper bound of the bucket holding it); nil when empty.
    public func quantile(_ q: Double) -> Double? {
        let s = state.withLock { $0 }
        guard s.count > 0 else { return nil }
        let target = UInt64((Double(s.count) * q).rounded(.up))
        var acc: UInt64 = 0
        for (i, c) in s.counts.enumerated() {
            acc += c
            if acc >= target { return i < bounds.count ? bounds[i] : .infinity }
        }
        return .infinity
    }

    public func samples(labels: [(String, String)] = []) -> [MetricFamily.Sample] {
        let s = state.withLock { $0 }
        var out: [MetricFamily.Sample] = []
        var acc: UInt64 = 0
        for (i, b) in bounds.enumerated() {
            acc += s.counts[i]
            out.append(.init(suffix: "_bucket", labels: labels + [("le", MetricFamily.format(b))], value: Double(acc)))
        }
        out.append(.init(suffix: "_bucket", labels: labels + [("le", "+Inf")], value: Double(s.count)))
        out.append(.init(suffix: "_sum", labels: labels, value: s.sum))
        out.append(.init(suffix: "_count", labels: labels, value: Double(s.count)))
        return out
    }
}
