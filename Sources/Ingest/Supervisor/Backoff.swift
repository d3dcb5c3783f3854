/// Stepped reconnect delays with jitter, after go2rtc/mediamtx: quick retries for blips, slower ones for
/// outages, so 10,000 cameras of a dead aggregator do not hammer it in lock-step.
///
/// Default steps: 1 s ×5, 5 s ×5, 10 s ×10, then 60 s forever; each delay gets ±`jitter` (fraction) random
/// spread. `reset()` after sustained success (the supervisor decides what "sustained" is).
public struct Backoff: Sendable {
    public struct Step: Sendable, Equatable {
        public var delay: Double
        public var count: Int
        public init(delay: Double, count: Int) {
            self.delay = delay
            self.count = count
        }
    }

    public static let defaultSteps = [Step(delay: 1, count: 5), Step(delay: 5, count: 5), Step(delay: 10, count: 10)]

    public var steps: [Step]
    public var final: Double
    public var jitter: Double
    /// Failures since the last reset.
    public private(set) var failures = 0

    public init(steps: [Step] = Backoff.defaultSteps, final: Double = 60, jitter: Double = 0.2) {
        self.steps = steps
        self.final = final
        self.jitter = jitter
    }

    /// The un-jittered delay for the current failure count.
    public var baseDelay: Double {
        var n = failures
        for s in steps {
            if n < s.count { return s.delay }
            n -= s.count
        }
        return final
    }

    /// Records a failure and returns how long to wait, in seconds.
    public mutating func next<R: RandomNumberGenerator>(using rng: inout R) -> Double {
        let base = baseDelay
        failures += 1
        guard jitter > 0 else { return base }
        return base * Double.random(in: (1 - jitter)...(1 + jitter), using: &rng)
    }

    public mutating func next() -> Double {
        var g = SystemRandomNumberGenerator()
        return next(using: &g)
    }

    /// Jumps straight to the slowest step: for answers that will not change soon (401, 403, 404).
    public mutating func escalate() {
        failures = max(failures, steps.reduce(0) { $0 + $1.count })
    }

    public mutating func reset() { failures = 0 }
}
