#if canImport(Glibc)
import Glibc
#endif

/// Learning rate as a function of the optimizer step (0-based), evaluated before each update.
public protocol LearningRateSchedule: Sendable {
    func learningRate(at step: Int) -> Float
}

/// η · γ^⌊step / stepSize⌋ (PyTorch `StepLR`).
public struct StepDecay: LearningRateSchedule {
    public var base: Float, stepSize: Int, gamma: Float
    public init(base: Float, stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize >= 1, "StepDecay: stepSize must be ≥ 1")
        (self.base, self.stepSize, self.gamma) = (base, stepSize, gamma)
    }
    public func learningRate(at step: Int) -> Float { base * powf(gamma, Float(step / stepSize)) }
}

/// Cosine annealing from `base` to `minimum` over `totalSteps` (Loshchilov & Hutter 2017, SGDR Eq. 5, one cycle):
/// η_t = η_min + ½(η − η_min)(1 + cos(π·t/T)); stays at η_min after T.
public struct CosineDecay: LearningRateSchedule {
    public var base: Float, minimum: Float, totalSteps: Int
    public init(base: Float, totalSteps: Int, minimum: Float = 0) {
        precondition(totalSteps >= 1, "CosineDecay: totalSteps must be ≥ 1")
        (self.base, self.totalSteps, self.minimum) = (base, totalSteps, minimum)
    }
    public func learningRate(at step: Int) -> Float {
        let t = Float(Swift.min(step, totalSteps)) / Float(totalSteps)
        return minimum + 0.5 * (base - minimum) * (1 + cosf(Float.pi * t))
    }
}

/// Linear warm-up from `base/warmupSteps` to the wrapped schedule's value over `warmupSteps`, then the wrapped
/// schedule shifted to start at 0 (Goyal et al. 2017, §2.2 "gradual warmup").
public struct Warmup: LearningRateSchedule {
    public var warmupSteps: Int
    public var then: any LearningRateSchedule
    public init(steps: Int, then: any LearningRateSchedule) {
        precondition(steps >= 0, "Warmup: steps must be ≥ 0")
        warmupSteps = steps
        self.then = then
    }
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps {
            return then.learningRate(at: 0) * Float(step + 1) / Float(warmupSteps)
        }
        return then.learningRate(at: step - warmupSteps)
    }
}

/// A fixed rate.
public struct ConstantRate: LearningRateSchedule {
    public var rate: Float
    public init(_ rate: Float) { self.rate = rate }
    public func learningRate(at step: Int) -> Float { rate }
}
