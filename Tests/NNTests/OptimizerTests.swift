import Testing
@testable import NN

/// Optimizer steps against values computed by hand from the published update rules.
@Suite struct OptimizerTests {
    static func parameter(_ values: [Float], grad: [Float], decays: Bool = true) -> Parameter {
        let p = Parameter(Tensor(shape: Shape([values.count]), values: values), decays: decays)
        for (i, g) in grad.enumerated() { p.grad.pointer[i] = g }
        return p
    }

    @Test func sgdPlainAndWithWeightDecay() {
        let p = Self.parameter([1, -2], grad: [0.5, 0.25])
        let sgd = SGD(parameters: [("w", p)], learningRate: 0.1, weightDecay: 0.01)
        sgd.step()
        // w − η(g + λw)
        #expect(abs(p.value[0] - (1 - 0.1 * (0.5 + 0.01))) < 1e-7)
        #expect(abs(p.value[1] - (-2 - 0.1 * (0.25 - 0.02))) < 1e-7)
    }

    @Test func sgdMomentumAndNesterov() {
        let p = Self.parameter([1], grad: [1])
        let q = Self.parameter([1], grad: [1])
        let heavy = SGD(parameters: [("p", p)], learningRate: 0.1, momentum: 0.9)
        let nesterov = SGD(parameters: [("q", q)], learningRate: 0.1, momentum: 0.9, nesterov: true)
        heavy.step()
        nesterov.step()
        // step 1: b = g = 1. heavy: w = 1 − 0.1 = 0.9; nesterov: w = 1 − 0.1(1 + 0.9) = 0.81
        #expect(abs(p.value[0] - 0.9) < 1e-6)
        #expect(abs(q.value[0] - 0.81) < 1e-6)
        p.grad.pointer[0] = 2
        q.grad.pointer[0] = 2
        heavy.step()
        nesterov.step()
        // step 2: b = 0.9 + 2 = 2.9. heavy: 0.9 − 0.29 = 0.61; nesterov: 0.81 − 0.1(2 + 0.9·2.9) = 0.349
        #expect(abs(p.value[0] - 0.61) < 1e-6)
        #expect(abs(q.value[0] - 0.349) < 1e-6)
    }

    /// Issue 16's recipe: Nesterov with coupled (L2) or decoupled (SGDW) weight decay, by hand.
    @Test func nesterovWithCoupledAndDecoupledWeightDecay() {
        let c = Self.parameter([2], grad: [1])
        let d = Self.parameter([2], grad: [1])
        let coupled = SGD(parameters: [("c", c)], learningRate: 0.1, momentum: 0.9, weightDecay: 0.05, nesterov: true)
        let decoupled = SGD(parameters: [("d", d)], learningRate: 0.1, momentum: 0.9, weightDecay: 0.05, nesterov: true)
        decoupled.decoupledWeightDecay = true
        coupled.step()
        decoupled.step()
        // coupled: g = 1 + 0.05·2 = 1.1, b = 1.1, update = 1.1 + 0.9·1.1 = 2.09 → w = 2 − 0.209 = 1.791
        // decoupled: b = 1, update = 1.9 → w = 2·(1 − 0.1·0.05) − 0.19 = 1.99 − 0.19 = 1.8
        #expect(abs(c.value[0] - 1.791) < 1e-6)
        #expect(abs(d.value[0] - 1.8) < 1e-6)
        c.grad.pointer[0] = -1
        d.grad.pointer[0] = -1
        coupled.step()
        decoupled.step()
        // coupled: g = −1 + 0.05·1.791 = −0.91045, b = 0.9·1.1 − 0.91045 = 0.07955,
        //          update = −0.91045 + 0.9·0.07955 = −0.838855 → w = 1.791 + 0.0838855 = 1.8748855
        // decoupled: b = 0.9·1 − 1 = −0.1, update = −1 − 0.09 = −1.09 → w = 1.8·0.995 + 0.109 = 1.9
        #expect(abs(c.value[0] - 1.8748855) < 1e-5)
        #expect(abs(d.value[0] - 1.9) < 1e-5)
    }

    @Test func biasesAndFrozenParametersAreLeftAlone() {
        let bias = Self.parameter([1], grad: [0], decays: false)
        let frozen = Self.parameter([1], grad: [5])
        frozen.isFrozen = true
        let sgd = SGD(parameters: [("b", bias), ("f", frozen)], learningRate: 0.1, weightDecay: 0.5)
        sgd.step()
        #expect(bias.value[0] == 1)     // no decay on a non-decaying parameter with zero gradient
        #expect(frozen.value[0] == 1)   // no update at all
    }

    /// `decayAll` (PyTorch's `SGD(model.parameters(), weight_decay=…)`): batch-norm γ/β and biases decay too.
    @Test func decayAllReachesNonDecayingParameters() {
        let bias = Self.parameter([2], grad: [1], decays: false)
        let sgd = SGD(parameters: [("b", bias)], learningRate: 0.1, momentum: 0.9, weightDecay: 0.05, nesterov: true)
        sgd.decayAll = true
        sgd.step()
        // as the coupled case above: g = 1 + 0.05·2 = 1.1, update = 1.1 + 0.9·1.1 = 2.09 → w = 2 − 0.209 = 1.791
        #expect(abs(bias.value[0] - 1.791) < 1e-6)
        let kept = Self.parameter([2], grad: [1], decays: false)
        SGD(parameters: [("k", kept)], learningRate: 0.1, momentum: 0.9, weightDecay: 0.05, nesterov: true).step()
        #expect(abs(kept.value[0] - (2 - 0.1 * 1.9)) < 1e-6)   // without it: no decay, update = 1 + 0.9
    }

    @Test func adamAndAdamW() {
        let p = Self.parameter([1], grad: [0.5])
        let adam = Adam(parameters: [("p", p)], learningRate: 0.01, weightDecay: 0.1)
        adam.step()
        // g = 0.5 + 0.1 = 0.6; m̂ = 0.6, v̂ = 0.36 → w = 1 − 0.01 · 0.6 / (0.6 + 1e-8)
        #expect(abs(p.value[0] - (1 - 0.01 * 0.6 / (0.6 + 1e-8))) < 1e-6)
        p.grad.pointer[0] = -0.5
        adam.step()
        // g = −0.5 + 0.1·0.99 = −0.401; m = 0.9·0.06 + 0.1·(−0.401)=0.0139; v = 0.999·0.00036+0.001·0.160801
        let g2 = -0.5 + 0.1 * 0.99
        let m = 0.9 * 0.06 + 0.1 * g2, v = 0.999 * 0.00036 + 0.001 * g2 * g2
        let mHat = m / (1 - 0.81), vHat = v / (1 - 0.998001)
        let expected = 0.99 - 0.01 * mHat / (vHat.squareRoot() + 1e-8)
        #expect(abs(Double(p.value[0]) - expected) < 1e-5)

        let q = Self.parameter([2], grad: [0.5])
        let adamw = Adam(parameters: [("q", q)], learningRate: 0.01, weightDecay: 0.1, decoupledWeightDecay: true)
        adamw.step()
        // w·(1 − ηλ) then − η·sign-ish step: 2·0.999 − 0.01
        #expect(abs(q.value[0] - (2 * 0.999 - 0.01)) < 1e-6)
    }

    @Test func schedules() {
        let step = StepDecay(base: 1, stepSize: 10, gamma: 0.5)
        #expect(step.learningRate(at: 9) == 1 && step.learningRate(at: 10) == 0.5 && step.learningRate(at: 25) == 0.25)
        let cosine = CosineDecay(base: 1, totalSteps: 100, minimum: 0.1)
        #expect(abs(cosine.learningRate(at: 0) - 1) < 1e-6)
        #expect(abs(cosine.learningRate(at: 50) - 0.55) < 1e-6)
        #expect(abs(cosine.learningRate(at: 100) - 0.1) < 1e-6)
        #expect(abs(cosine.learningRate(at: 500) - 0.1) < 1e-6)
        let warm = Warmup(steps: 4, then: ConstantRate(0.8))
        #expect(warm.learningRate(at: 0) == 0.2 && warm.learningRate(at: 3) == 0.8 && warm.learningRate(at: 9) == 0.8)
        // The optimizer reads the schedule before each step.
        let p = Self.parameter([0], grad: [1])
        let sgd = SGD(parameters: [("p", p)], learningRate: 99, schedule: warm)
        sgd.step()
        sgd.step()
        #expect(abs(p.value[0] - -(0.2 + 0.4)) < 1e-6)
        #expect(sgd.stepCount == 2)
    }
}
