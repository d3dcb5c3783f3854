#if canImport(Glibc)
import Glibc
#endif

/// Adam (Kingma & Ba 2015, Alg. 1, with bias correction) and AdamW (Loshchilov & Hutter 2019: weight decay
/// applied to the weights, decoupled from the adaptive gradient). PyTorch's formulation:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − η · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε);
/// Adam adds λ·w to g, AdamW multiplies w by (1 − ηλ) first. t counts each parameter's own updates.
public final class Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float, beta2: Float, eps: Float
    public var weightDecay: Float
    public let decoupledWeightDecay: Bool
    public var schedule: (any LearningRateSchedule)?
    public private(set) var stepCount = 0
    public let parameters: [(String, Parameter)]
    var moments: [(m: Tensor, v: Tensor, t: Int)?]

    public init(parameters: [(String, Parameter)], learningRate: Float = 1e-3, beta1: Float = 0.9,
                beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false,
                schedule: (any LearningRateSchedule)? = nil) {
        precondition(learningRate >= 0 && (0..<1).contains(beta1) && (0..<1).contains(beta2) && eps > 0
                     && weightDecay >= 0, "Adam: hyper-parameter out of range")
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.schedule = schedule
        moments = Array(repeating: nil, count: parameters.count)
    }

    /// Optimizes every parameter of `model`; `decoupled: true` gives AdamW.
    public convenience init(_ model: any Layer, learningRate: Float = 1e-3, weightDecay: Float = 0,
                            decoupled: Bool = false, schedule: (any LearningRateSchedule)? = nil) {
        self.init(parameters: model.parameters(), learningRate: learningRate, weightDecay: weightDecay,
                  decoupledWeightDecay: decoupled, schedule: schedule)
    }

    public func step() {
        applySchedule()
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = eps
        for (index, (_, p)) in parameters.enumerated() where !p.isFrozen {
            if moments[index] == nil { moments[index] = (Tensor(zeros: p.shape), Tensor(zeros: p.shape), 0) }
            moments[index]!.t += 1
            let state = moments[index]!
            let t = Float(state.t)
            let c1 = 1 - powf(b1, t), c2 = 1 - powf(b2, t)
            let wd = p.decays ? weightDecay : 0, decoupled = decoupledWeightDecay
            let w = p.value.pointer, g = p.grad.pointer, m = state.m.pointer, v = state.v.pointer
            parallelElementwise(p.value.count) { r in
                for i in r {
                    var grad = g[i]
                    if decoupled { w[i] *= 1 - lr * wd } else { grad += wd * w[i] }
                    m[i] = b1 * m[i] + (1 - b1) * grad
                    v[i] = b2 * v[i] + (1 - b2) * grad * grad
                    w[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                }
            }
        }
        stepCount += 1
    }
}
