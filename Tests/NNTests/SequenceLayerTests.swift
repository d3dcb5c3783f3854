import CamsiftCore
import Foundation
import Testing
@testable import NN

/// The window network's non-recurrent layers: BatchNorm1d (statistics, running averages, inference, frozen mode,
/// finite differences), LastStep (selection and scatter) and TimeDistributed (per-step Dense, finite differences).
@Suite struct SequenceLayerTests {
    @Test func batchNorm1dGradients() throws {
        let bn = BatchNorm1d(features: 4)
        rngFill(bn.gamma.value, seed: 40, around: 1)
        rngFill(bn.beta.value, seed: 41, around: 0)
        let x = randomTensor([5, 4], seed: 42, scale: 2)
        let mismatches = try GradientCheck(eps: 5e-3, samples: 64).run(bn, input: x)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(6))")
        #expect(bn.namedParameters().map(\.0) == ["weight", "bias", "running_mean", "running_var"])
    }

    /// Batch statistics normalise with the biased variance; the running variance takes the unbiased one.
    @Test func batchNorm1dStatistics() throws {
        let bn = BatchNorm1d(features: 3)
        let x = randomTensor([8, 3], seed: 43, scale: 3)
        let y = try bn.forward(x, training: true)
        for j in 0..<3 {
            let col = (0..<8).map { Double(x[$0, j]) }
            let mean = col.reduce(0, +) / 8
            let ss = col.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            let out = (0..<8).map { Double(y[$0, j]) }
            let outMean = out.reduce(0, +) / 8, outVar = out.reduce(0) { $0 + ($1 - outMean) * ($1 - outMean) } / 8
            #expect(abs(outMean) < 1e-5)
            #expect(abs(outVar - ss / 8 / (ss / 8 + 1e-5)) < 1e-4)
            #expect(abs(Double(bn.runningMean[j]) - 0.1 * mean) < 1e-6)
            #expect(abs(Double(bn.runningVar[j]) - (0.9 + 0.1 * ss / 7)) < 1e-5)
        }
        // Inference reads the running estimates.
        let e = try bn.forward(x, training: false)
        for j in 0..<3 {
            let inv = 1 / (bn.runningVar[j] + 1e-5).squareRoot()
            #expect(abs(e[2, j] - (x[2, j] - bn.runningMean[j]) * inv) < 1e-5)
        }
    }

    /// Same values as BatchNorm2d on the same [N, F] batch (which reads it as N × C × 1 × 1).
    @Test func batchNorm1dMatchesBatchNorm2d() throws {
        let a = BatchNorm1d(features: 6), b = BatchNorm2d(channels: 6)
        rngFill(a.gamma.value, seed: 44, around: 1)
        b.gamma.value.assign(a.gamma.value)
        let x = randomTensor([7, 6], seed: 45, scale: 2), dy = randomTensor([7, 6], seed: 46)
        let ya = try a.forward(x, training: true).copy(), yb = try b.forward(x, training: true)
        let da = try a.backward(dy).copy(), db = try b.backward(dy)
        for i in 0..<ya.count {
            #expect(abs(ya.pointer[i] - yb.pointer[i]) < 1e-5)
            #expect(abs(da.pointer[i] - db.pointer[i]) < 1e-5)
        }
        for (p, q) in zip(a.parameters(), b.parameters()) {
            for i in 0..<6 { #expect(abs(p.1.grad.pointer[i] - q.1.grad.pointer[i]) < 1e-4) }
        }
        for i in 0..<6 { #expect(abs(a.runningVar.pointer[i] - b.runningVar.pointer[i]) < 1e-5) }
    }

    /// Frozen γ and β: running statistics in training too, so dx = γ/σ · dy.
    @Test func batchNorm1dFrozenUsesRunningStatistics() throws {
        let bn = BatchNorm1d(features: 3)
        bn.runningMean.assign(Tensor(shape: [3], values: [0.5, -1, 2]))
        bn.runningVar.assign(Tensor(shape: [3], values: [4, 0.25, 1]))
        bn.setFrozen(true)
        let x = randomTensor([1, 3], seed: 47)   // N = 1 is fine without batch statistics
        let y = try bn.forward(x, training: true)
        #expect(abs(y[0, 0] - (x[0, 0] - 0.5) / (4 + 1e-5).squareRoot()) < 1e-6)
        #expect(bn.runningMean.array == [0.5, -1, 2])
        #expect(try GradientCheck().run(bn, input: randomTensor([4, 3], seed: 48)).isEmpty)
    }

    @Test func batchNorm1dErrors() throws {
        let bn = BatchNorm1d(features: 3)
        let wrong = #expect(throws: NNError.self) { _ = try bn.forward(Tensor(zeros: [2, 4, 3]), training: false) }
        #expect(wrong?.code == .shapeMismatch)
        #expect(wrong?.message.contains("[N, 3]") == true && wrong?.message.contains("LastStep") == true)
        let single = #expect(throws: NNError.self) { _ = try bn.forward(Tensor(zeros: [1, 3]), training: true) }
        #expect(single?.message.contains("at least 2") == true)
        _ = try bn.forward(Tensor(zeros: [2, 3]), training: false)
        #expect(throws: NNError.self) { _ = try bn.backward(Tensor(zeros: [2, 3])) }
    }

    @Test func lastStepSelectsAndScatters() throws {
        let x = randomTensor([2, 4, 3], seed: 50)
        let last = LastStep()
        #expect(try last.outputShape(for: [2, 4, 3]) == Shape([2, 3]))
        let y = try last.forward(x, training: true)
        for b in 0..<2 { for f in 0..<3 { #expect(y[b, f] == x[b, 3, f]) } }
        let dy = randomTensor([2, 3], seed: 51)
        let dx = try last.backward(dy)
        for b in 0..<2 { for t in 0..<4 { for f in 0..<3 {
            #expect(dx[b, t, f] == (t == 3 ? dy[b, f] : 0))
        } } }
        // A second backward after a shorter sequence leaves no stale gradient from the first.
        _ = try last.forward(randomTensor([2, 2, 3], seed: 52), training: true)
        let dx2 = try last.backward(dy)
        #expect(dx2.shape == Shape([2, 2, 3]) && (0..<3).allSatisfy { dx2[0, 0, $0] == 0 })
        #expect(try GradientCheck().run(last, input: x).isEmpty)
        let wrong = #expect(throws: NNError.self) { _ = try last.forward(Tensor(zeros: [2, 3]), training: false) }
        #expect(wrong?.message.contains("[N, T, F]") == true)
    }

    @Test func timeDistributedIsDensePerStep() throws {
        var rng = SeededGenerator(seed: 53)
        let td = TimeDistributed(4, 3, rng: &rng)
        rng.fillUniform(td.dense.bias.value, bound: 0.5)
        let x = randomTensor([2, 5, 4], seed: 54)
        let y = try td.forward(x, training: false)
        #expect(y.shape == Shape([2, 5, 3]))
        for b in 0..<2 { for t in 0..<5 {
            let step = Tensor(zeros: [1, 4])
            for f in 0..<4 { step[0, f] = x[b, t, f] }
            let ref = try td.dense.forward(step, training: false).copy()
            _ = try td.forward(x, training: false)   // the dense's output buffer is shared
            for o in 0..<3 { #expect(abs(y[b, t, o] - ref[0, o]) < 1e-6) }
        } }
        #expect(Sequential([("proj", td)]).namedParameters().map(\.0) == ["proj.weight", "proj.bias"])
    }

    @Test func timeDistributedGradients() throws {
        var rng = SeededGenerator(seed: 55)
        let td = TimeDistributed(5, 3, rng: &rng)
        let mismatches = try GradientCheck(samples: 64).run(td, input: randomTensor([3, 4, 5], seed: 56))
        #expect(mismatches.isEmpty, "\(mismatches.prefix(6))")
        let wrong = #expect(throws: NNError.self) { _ = try td.forward(Tensor(zeros: [3, 4]), training: false) }
        #expect(wrong?.message.contains("[N, T, 5]") == true)
    }
}

/// Fills `t` with values uniform in `around ± 0.5` (seeded).
func rngFill(_ t: Tensor, seed: UInt64, around: Float) {
    var rng = SeededGenerator(seed: seed)
    for i in 0..<t.count { t.pointer[i] = around + rng.uniform(0.5) }
}
