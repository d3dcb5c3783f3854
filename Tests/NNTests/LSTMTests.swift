import CamsiftCore
import Foundation
import Testing
@testable import NN

/// LSTM, BiLSTM and the residual BiLSTM block: finite-difference checks of BPTT (dX and every weight and bias,
/// both time directions), a one-step case worked from the LSTM equations, direction symmetry, and shape errors.
@Suite struct LSTMTests {
    /// Small random sizes (N 2, T 4, F 3, H 3) as the brief asks; inputs of magnitude ≤ 1 keep the gates away from
    /// saturation, where finite differences in float32 lose their digits.
    static let n = 2, steps = 4, features = 3, hidden = 3

    @Test(arguments: [false, true])
    func lstmGradients(_ reverse: Bool) throws {
        var rng = SeededGenerator(seed: 21)
        let lstm = LSTM(inputSize: Self.features, hiddenSize: Self.hidden, reverse: reverse, rng: &rng)
        let x = randomTensor([Self.n, Self.steps, Self.features], seed: 22)
        // eps 1e-2 in float32 like the other layer checks; the sums are accumulated in Double by GradientCheck.
        let mismatches = try GradientCheck(samples: 64).run(lstm, input: x)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(6))")
        #expect(lstm.parameters().map(\.0) == (reverse
            ? ["weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"]
            : ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]))
    }

    /// Longer sequence with larger weights: the recurrent gradient path crosses many steps and the gates leave
    /// their linear range.
    @Test func lstmGradientsLongerSequence() throws {
        var rng = SeededGenerator(seed: 23)
        let lstm = LSTM(inputSize: 5, hiddenSize: 4, rng: &rng)
        for (_, p) in lstm.parameters() { rng.fillUniform(p.value, bound: 0.8) }
        let x = randomTensor([3, 9, 5], seed: 24)
        let mismatches = try GradientCheck(eps: 5e-3, samples: 64).run(lstm, input: x)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(6))")
    }

    @Test func frozenWeightsAndNoInputGradient() throws {
        var rng = SeededGenerator(seed: 25)
        let lstm = LSTM(inputSize: 3, hiddenSize: 2, rng: &rng)
        lstm.weightHH.isFrozen = true
        lstm.biasIH.isFrozen = true
        let x = randomTensor([2, 3, 3], seed: 26)
        #expect(try GradientCheck().run(lstm, input: x, checkInput: false).isEmpty)
        #expect(lstm.weightHH.grad.array.allSatisfy { $0 == 0 })
        #expect(lstm.biasIH.grad.array.allSatisfy { $0 == 0 })
    }

    @Test func biLSTMGradients() throws {
        var rng = SeededGenerator(seed: 27)
        let bi = try BiLSTM(inputSize: Self.features, hiddenSize: Self.hidden, rng: &rng)
        let x = randomTensor([Self.n, Self.steps, Self.features], seed: 28)
        let mismatches = try GradientCheck(samples: 64).run(bi, input: x)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(6))")
        #expect(bi.parameters().map(\.0) == [
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
        ])
        #expect(try bi.outputShape(for: [2, 4, 3]) == Shape([2, 4, 6]))
    }

    @Test func residualBiLSTMGradients() throws {
        var rng = SeededGenerator(seed: 29)
        let block = try BiLSTM(inputSize: 6, hiddenSize: 3, residual: true, rng: &rng)
        let x = randomTensor([Self.n, Self.steps, 6], seed: 30)
        let mismatches = try GradientCheck(samples: 64).run(block, input: x)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(6))")
        // Stacked twice, as the paper's layers are: h₂ = B₂(h₁) + h₁, h₁ = B₁(x) + x.
        let stack = Sequential([("0", block), ("1", try BiLSTM(inputSize: 6, hiddenSize: 3, residual: true,
                                                                  rng: &rng))])
        stack.needsInputGradient = true
        let stacked = try GradientCheck(samples: 64).run(stack, input: x)
        #expect(stacked.isEmpty, "\(stacked.prefix(6))")
    }

    @Test func residualAddsTheInput() throws {
        var rng = SeededGenerator(seed: 31)
        let plain = try BiLSTM(inputSize: 4, hiddenSize: 2, rng: &rng)
        let block = try BiLSTM(inputSize: 4, hiddenSize: 2, residual: true, rng: &rng)
        block.load(from: plain)
        let x = randomTensor([2, 3, 4], seed: 32)
        let a = try plain.forward(x, training: false).copy(), b = try block.forward(x, training: false)
        for i in 0..<a.count { #expect(abs(b.pointer[i] - (a.pointer[i] + x.pointer[i])) < 1e-6) }
    }

    /// T = 1, N = 1, F = 2, H = 2 with chosen weights, against the equations written out in Double.
    @Test func oneStepMatchesTheEquations() throws {
        var rng = SeededGenerator(seed: 33)
        let lstm = LSTM(inputSize: 2, hiddenSize: 2, rng: &rng)
        let wih: [Float] = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.2, 0.1, -0.3, 0.5, 0.9, -0.4, 0.05, 0.25]
        let bih: [Float] = [0.1, 0.2, -0.1, 0.3, 0.0, -0.2, 0.4, 0.1]
        let bhh: [Float] = [0.05, -0.05, 0.2, 0.1, -0.3, 0.15, 0.0, 0.2]
        lstm.weightIH.value.assign(Tensor(shape: [8, 2], values: wih))
        lstm.biasIH.value.assign(Tensor(shape: [8], values: bih))
        lstm.biasHH.value.assign(Tensor(shape: [8], values: bhh))
        lstm.weightHH.value.fill(7)   // h₀ = 0: W_hh must not matter at the first step
        let x: [Float] = [0.5, -1.5]
        let y = try lstm.forward(Tensor(shape: [1, 1, 2], values: x), training: false)
        #expect(y.shape == Shape([1, 1, 2]))
        func pre(_ row: Int) -> Double {
            Double(wih[2 * row]) * Double(x[0]) + Double(wih[2 * row + 1]) * Double(x[1]) + Double(bih[row])
                + Double(bhh[row])
        }
        func sig(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        for j in 0..<2 {
            let i = sig(pre(j)), g = tanh(pre(4 + j)), o = sig(pre(6 + j))   // f multiplies c₀ = 0
            let c = i * g
            let h = o * tanh(c)
            #expect(abs(Double(y[0, 0, j]) - h) < 1e-6, "h[\(j)] = \(y[0, 0, j]), equations give \(h)")
        }
        // The same step with reverse: one step reads the same, whichever direction.
        let r = LSTM(inputSize: 2, hiddenSize: 2, reverse: true, rng: &rng)
        r.load(from: lstm)
        let yr = try r.forward(Tensor(shape: [1, 1, 2], values: x), training: false)
        #expect(yr.array == y.array)
    }

    /// Second step by hand too, so the recurrence (W_hh, the forget gate on c₁) is pinned, not just the projection.
    @Test func twoStepsMatchTheEquations() throws {
        var rng = SeededGenerator(seed: 34)
        let lstm = LSTM(inputSize: 1, hiddenSize: 1, rng: &rng)
        lstm.weightIH.value.assign(Tensor(shape: [4, 1], values: [0.5, -0.3, 0.8, 0.2]))
        lstm.weightHH.value.assign(Tensor(shape: [4, 1], values: [0.4, 0.6, -0.7, 0.9]))
        lstm.biasIH.value.assign(Tensor(shape: [4], values: [0.1, 0.2, 0.0, -0.1]))
        lstm.biasHH.value.fill(0)
        let xs: [Double] = [1.0, -0.5]
        let y = try lstm.forward(Tensor(shape: [1, 2, 1], values: xs.map(Float.init)), training: false)
        func sig(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        var h = 0.0, c = 0.0
        for (t, xv) in xs.enumerated() {
            let i = sig(0.5 * xv + 0.4 * h + 0.1), f = sig(-0.3 * xv + 0.6 * h + 0.2)
            let g = tanh(0.8 * xv - 0.7 * h), o = sig(0.2 * xv + 0.9 * h - 0.1)
            c = f * c + i * g
            h = o * tanh(c)
            #expect(abs(Double(y[0, t, 0]) - h) < 1e-6, "t \(t): \(y[0, t, 0]) vs \(h)")
        }
    }

    /// reverse: true on x equals the forward-time LSTM (same weights) on x reversed in time, reversed back.
    @Test func reverseIsForwardOnTheTimeReversedInput() throws {
        var rng = SeededGenerator(seed: 35)
        let fwd = LSTM(inputSize: 3, hiddenSize: 4, rng: &rng)
        let rev = LSTM(inputSize: 3, hiddenSize: 4, reverse: true, rng: &rng)
        rev.load(from: fwd)
        let x = randomTensor([2, 5, 3], seed: 36)
        let flipped = Tensor(zeros: x.shape)
        for b in 0..<2 { for t in 0..<5 { for f in 0..<3 { flipped[b, t, f] = x[b, 4 - t, f] } } }
        let yr = try rev.forward(x, training: false), yf = try fwd.forward(flipped, training: false)
        for b in 0..<2 { for t in 0..<5 { for j in 0..<4 {
            #expect(abs(yr[b, t, j] - yf[b, 4 - t, j]) < 1e-6)
        } } }
    }

    @Test func shapeErrorsNameTheShapes() throws {
        var rng = SeededGenerator(seed: 37)
        let lstm = LSTM(inputSize: 3, hiddenSize: 2, rng: &rng)
        let wrongF = #expect(throws: NNError.self) { _ = try lstm.forward(Tensor(zeros: [2, 4, 5]), training: false) }
        #expect(wrongF?.code == .shapeMismatch)
        #expect(wrongF?.message.contains("[N, T, 3]") == true && wrongF?.message.contains("[2, 4, 5]") == true,
                "\(wrongF?.message ?? "")")
        let wrongRank = #expect(throws: NNError.self) { _ = try lstm.forward(Tensor(zeros: [8, 3]), training: true) }
        #expect(wrongRank?.message.contains("[8, 3]") == true)
        _ = try lstm.forward(Tensor(zeros: [2, 4, 3]), training: true)
        let wrongGrad = #expect(throws: NNError.self) { _ = try lstm.backward(Tensor(zeros: [2, 4, 3])) }
        #expect(wrongGrad?.message.contains("[2, 4, 3]") == true && wrongGrad?.message.contains("[2, 4, 2]") == true)
        _ = try lstm.forward(Tensor(zeros: [2, 4, 3]), training: false)
        #expect(throws: NNError.self) { _ = try lstm.backward(Tensor(zeros: [2, 4, 2])) }

        let residual = #expect(throws: NNError.self) { _ = try BiLSTM(inputSize: 5, hiddenSize: 3, residual: true,
                                                                     rng: &rng) }
        #expect(residual?.code == .shapeMismatch)
        #expect(residual?.message.contains("2H == F") == true, "\(residual?.message ?? "")")
        let bi = try BiLSTM(inputSize: 4, hiddenSize: 2, residual: true, rng: &rng)
        let biWrong = #expect(throws: NNError.self) { _ = try bi.forward(Tensor(zeros: [1, 2, 3]), training: false) }
        #expect(biWrong?.message.contains("[1, 2, 3]") == true)
        #expect(throws: NNError.self) { _ = try bi.outputShape(for: [1, 2, 3, 4]) }
    }
}

extension LSTM {
    /// Copies another LSTM's weights (test helper: same parameters under either direction's names).
    func load(from other: LSTM) {
        for (a, b) in zip(ownParameters, other.ownParameters) { a.1.value.assign(b.1.value) }
    }
}

extension BiLSTM {
    func load(from other: BiLSTM) {
        forwardLSTM.load(from: other.forwardLSTM)
        backwardLSTM.load(from: other.backwardLSTM)
    }
}
