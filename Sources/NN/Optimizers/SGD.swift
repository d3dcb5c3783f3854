/// Stochastic gradient descent with momentum, weight decay and optional Nesterov momentum, PyTorch's
/// formulation (`torch.optim.SGD`): g ← ∇ + λ·w; b ← μ·b + (1 − τ)·g (b = g on the first step);
/// g ← g + μ·b (Nesterov, Sutskever et al. 2013) or g ← b; w ← w − η·g.
/// The method's fine-tuning default is η = 1e-4, μ = 0.9.
/// With `decoupledWeightDecay` the decay leaves the gradient and momentum alone and shrinks the weights
/// directly, w ← w − η·λ·w − η·update (SGDW, Loshchilov & Hutter 2019, Algorithm 1 with η_t folded into η).
public final class SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    public var dampening: Float
    public var nesterov: Bool
    public var decoupledWeightDecay = false
    /// Decay every parameter, also those built with `decays: false` (batch-norm γ/β, biases): PyTorch's
    /// `SGD(model.parameters(), weight_decay=…)` without parameter groups.
    public var decayAll = false
    public var schedule: (any LearningRateSchedule)?
    public private(set) var stepCount = 0
    public let parameters: [(String, Parameter)]
    var buffers: [Tensor?]

    public init(parameters: [(String, Parameter)], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0,
                dampening: Float = 0, nesterov: Bool = false, schedule: (any LearningRateSchedule)? = nil) {
        precondition(learningRate >= 0 && momentum >= 0 && weightDecay >= 0, "SGD: negative hyper-parameter")
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov needs momentum and no dampening")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.dampening = dampening
        self.nesterov = nesterov
        self.schedule = schedule
        buffers = Array(repeating: nil, count: parameters.count)
    }

    /// Optimizes every parameter of `model`.
    public convenience init(_ model: any Layer, learningRate: Float, momentum: Float = 0, weightDecay: Float = 0,
                            nesterov: Bool = false, schedule: (any LearningRateSchedule)? = nil) {
        self.init(parameters: model.parameters(), learningRate: learningRate, momentum: momentum,
                  weightDecay: weightDecay, nesterov: nesterov, schedule: schedule)
    }

    public func step() {
        applySchedule()
        let lr = learningRate, mu = momentum, damp = dampening, nest = nesterov
        for (index, (_, p)) in parameters.enumerated() where !p.isFrozen {
            let decay = p.decays || decayAll ? weightDecay : 0
            // Coupled: λ·w joins the gradient; decoupled: the weights shrink by (1 − η·λ) beside the update.
            let wd = decoupledWeightDecay ? 0 : decay
            let shrink: Float = decoupledWeightDecay ? 1 - lr * decay : 1
            let w = p.value.pointer, g = p.grad.pointer
            if mu == 0 {
                parallelElementwise(p.value.count) { r in
                    for i in r { w[i] = shrink * w[i] - lr * (g[i] + wd * w[i]) }
                }
                continue
            }
            let first = buffers[index] == nil
            if first { buffers[index] = Tensor(zeros: p.shape) }
            let b = buffers[index]!.pointer
            parallelElementwise(p.value.count) { r in
                for i in r {
                    let grad = g[i] + wd * w[i]
                    b[i] = first ? grad : mu * b[i] + (1 - damp) * grad
                    let update = nest ? grad + mu * b[i] : b[i]
                    w[i] = shrink * w[i] - lr * update
                }
            }
        }
        stepCount += 1
    }
}
