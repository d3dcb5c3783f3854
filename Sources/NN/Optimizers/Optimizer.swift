/// A first-order optimizer over a fixed list of parameters (taken from a model at init). Frozen parameters are
/// skipped at each `step()`, so freezing/unfreezing between steps (two-level fine-tuning) needs no new optimizer;
/// per-parameter state is created on a parameter's first update.
///
/// Typical step:
/// ```swift
/// model.zeroGrad()                       // or optimizer.zeroGrad()
/// let logits = try model.forward(x, training: true)
/// let loss = try lossFn.forward(logits, labels: y, classWeights: w)
/// _ = try model.backward(try lossFn.backward())
/// optimizer.step()
/// ```
public protocol Optimizer: AnyObject {
    /// Learning rate used by the next `step()` (overwritten from `schedule` when one is set).
    var learningRate: Float { get set }
    var schedule: (any LearningRateSchedule)? { get set }
    /// Number of completed `step()` calls.
    var stepCount: Int { get }
    var parameters: [(String, Parameter)] { get }
    /// Applies one update from the accumulated gradients.
    func step()
}

extension Optimizer {
    /// Clears the gradients of every parameter this optimizer updates.
    public func zeroGrad() {
        for (_, p) in parameters { p.zeroGrad() }
    }

    /// Sets `learningRate` from the schedule for the step about to run.
    func applySchedule() {
        if let schedule { learningRate = schedule.learningRate(at: stepCount) }
    }
}

/// Runs `body` over `0..<count` in parallel chunks (optimizer updates are elementwise).
@inline(__always)
func parallelElementwise(_ count: Int, _ body: (Range<Int>) -> Void) {
    NNThreads.parallelChunks(count, grain: 1 << 15, body)
}
