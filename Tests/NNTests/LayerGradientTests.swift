import CamsiftCore
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import NN

/// Finite-difference checks of every other layer's backward (conv and depthwise are in ConvolutionTests).
@Suite struct LayerGradientTests {
    /// An identity layer whose backward is wrong by a factor of 2: proves the checker can fail.
    final class WrongGradient: Layer {
        var needsInputGradient = true
        func outputShape(for input: Shape) throws -> Shape { input }
        func forward(_ input: Tensor, training: Bool) throws -> Tensor { input }
        func backward(_ gradOutput: Tensor) throws -> Tensor {
            let g = gradOutput.copy()
            for i in 0..<g.count { g.pointer[i] *= 2 }
            return g
        }
    }

    @Test func checkerCatchesAWrongBackward() throws {
        let mismatches = try GradientCheck().run(WrongGradient(), input: randomTensor([2, 3, 4, 4], seed: 1))
        #expect(!mismatches.isEmpty)
    }

    @Test func batchNormTraining() throws {
        let bn = BatchNorm2d(channels: 3)
        var rng = SeededGenerator(seed: 2)
        rng.fillUniform(bn.gamma.value, bound: 1.5)
        rng.fillUniform(bn.beta.value, bound: 0.5)
        let x = randomTensor([4, 3, 5, 6], seed: 3, scale: 2)
        let mismatches = try GradientCheck().run(bn, input: x, training: true)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func batchNormInferenceAndFrozen() throws {
        let bn = BatchNorm2d(channels: 4, eps: 1e-3)
        var rng = SeededGenerator(seed: 4)
        rng.fillUniform(bn.gamma.value, bound: 1.5)
        rng.fillUniform(bn.runningMean, bound: 0.5)
        for i in 0..<4 { bn.runningVar.pointer[i] = 0.5 + rng.nextUnit() }
        let x = randomTensor([2, 4, 3, 3], seed: 5)
        let y = try bn.forward(x, training: false)
        for c in 0..<4 {
            let scale = bn.gamma.value.pointer[c] / (bn.runningVar.pointer[c] + 1e-3).squareRoot()
            let expected = (x[1, c, 2, 1] - bn.runningMean.pointer[c]) * scale + bn.beta.value.pointer[c]
            #expect(abs(y[1, c, 2, 1] - expected) < 1e-5)
        }
        // Frozen γ/β: training-mode forward uses the running statistics, and backward is the affine map.
        bn.setFrozen(true)
        #expect(try GradientCheck().run(bn, input: x, training: true).isEmpty)
    }

    @Test func reluAndReLU6() throws {
        let x = awayFromZero([2, 3, 4, 5], seed: 6)
        for i in 0..<x.count { x.pointer[i] *= 7 }   // spread over (−8, 8): both of ReLU6's kinks are crossed
        for i in 0..<x.count where abs(x.pointer[i] - 6) < 0.1 { x.pointer[i] = 5 }
        #expect(try GradientCheck().run(ReLU(), input: x).isEmpty)
        #expect(try GradientCheck().run(ReLU6(), input: x).isEmpty)
        let y = try ReLU6().forward(x, training: false)
        #expect(y.array.allSatisfy { $0 >= 0 && $0 <= 6 })
        #expect(y.array.contains(6) && y.array.contains(0))
    }

    @Test(arguments: [(2, 2, PaddingMode.explicit(.zero)), (3, 2, .explicit(.uniform(1))), (3, 1, .same),
                      (2, 2, .same)])
    func maxPool(_ k: Int, _ s: Int, _ padding: PaddingMode) throws {
        // Distinct values with gaps > 2ε so the arg-max does not change under perturbation.
        let x = Tensor(zeros: [2, 2, 7, 9])
        var rng = SeededGenerator(seed: 7)
        var values = (0..<x.count).map { Float($0) * 0.05 }
        values.shuffle(using: &rng)
        for i in 0..<x.count { x.pointer[i] = values[i] }
        #expect(try GradientCheck().run(MaxPool2d(kernel: k, stride: s, padding: padding), input: x).isEmpty)
    }

    @Test(arguments: [(2, 2, PaddingMode.explicit(.zero), true), (3, 2, .explicit(.uniform(1)), true),
                      (3, 2, .explicit(.uniform(1)), false), (3, 1, .same, false)])
    func avgPool(_ k: Int, _ s: Int, _ padding: PaddingMode, _ includePad: Bool) throws {
        let pool = AvgPool2d(kernel: k, stride: s, padding: padding, countIncludePad: includePad)
        #expect(try GradientCheck().run(pool, input: randomTensor([2, 3, 7, 8], seed: 8)).isEmpty)
    }

    @Test func avgPoolDivisorsFollowPyTorch() throws {
        // 3×3, stride 2, pad 1 on a 4×4 ones image: corner windows see 4 real pixels out of 9.
        let x = Tensor(zeros: [1, 1, 4, 4])
        x.fill(1)
        let include = try AvgPool2d(kernel: 3, stride: 2, padding: .explicit(.uniform(1))).forward(x, training: false)
        #expect(abs(include[0, 0, 0, 0] - 4.0 / 9) < 1e-6)
        let exclude = try AvgPool2d(kernel: 3, stride: 2, padding: .explicit(.uniform(1)), countIncludePad: false)
            .forward(x, training: false)
        #expect(abs(exclude[0, 0, 0, 0] - 1) < 1e-6)
    }

    @Test func globalAvgPoolAndFlatten() throws {
        let x = randomTensor([3, 4, 5, 2], seed: 9)
        #expect(try GradientCheck().run(GlobalAvgPool(), input: x).isEmpty)
        #expect(try GradientCheck().run(Flatten(), input: x).isEmpty)
        let pooled = try GlobalAvgPool().forward(x, training: false)
        #expect(pooled.shape == Shape(rows: 3, columns: 4))
        let manual = (0..<10).reduce(Float(0)) { $0 + x.pointer[4 * 10 + $1] } / 10
        #expect(abs(pooled[1, 0] - manual) < 1e-6)
    }

    @Test func dense() throws {
        var rng = SeededGenerator(seed: 10)
        let layer = Dense(12, 5, rng: &rng)
        rng.fillUniform(layer.bias.value, bound: 1)
        #expect(try GradientCheck().run(layer, input: randomTensor([4, 12], seed: 11)).isEmpty)
        // An NCHW input is read as [N, C·H·W].
        #expect(try GradientCheck().run(layer, input: randomTensor([2, 3, 2, 2], seed: 12)).isEmpty)
    }

    @Test func residualAndSequential() throws {
        var rng = SeededGenerator(seed: 13)
        let body = Sequential([
            ("conv", Conv2D(4, 4, kernel: 3, padding: 1, rng: &rng)),
            ("bn", BatchNorm2d(channels: 4)),
        ])
        let block = Residual(body)
        #expect(try GradientCheck().run(block, input: randomTensor([2, 4, 5, 5], seed: 14)).isEmpty)
        let projected = Residual(Sequential([("conv", Conv2D(3, 6, kernel: 3, stride: 2, padding: 1, rng: &rng))]),
                                 shortcut: Conv2D(3, 6, kernel: 1, stride: 2, rng: &rng))
        #expect(try GradientCheck().run(projected, input: randomTensor([2, 3, 6, 6], seed: 15)).isEmpty)
        #expect(projected.namedParameters().map(\.0) == ["conv.weight", "conv.bias", "shortcut.weight",
                                                          "shortcut.bias"])
        let net = Sequential([
            ("stem", Conv2D(2, 4, kernel: 3, padding: 1, rng: &rng)), ("bn", BatchNorm2d(channels: 4)),
            ("act", ReLU6()), ("block", Residual(Sequential([("dw", DepthwiseConv2D(channels: 4, kernel: (3, 3),
                                                                                     rng: &rng))]))),
            ("pool", GlobalAvgPool()), ("fc", Dense(4, 3, rng: &rng)),
        ])
        net.needsInputGradient = true
        let x = randomTensor([3, 2, 6, 6], seed: 16)
        let mismatches = try GradientCheck(eps: 1e-3, tolerance: 5e-2).run(net, input: x)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(6))")
    }

    @Test func dropoutScalesKeptUnitsAndRoutesGradientThroughTheMask() throws {
        let drop = Dropout(0.3, seed: 17)
        let x = Tensor(zeros: [8, 1000])
        x.fill(2)
        let y = try drop.forward(x, training: true).copy()
        let kept = y.array.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 2 / 0.7) < 1e-5 })
        let fraction = Double(kept.count) / Double(y.count)
        #expect(abs(fraction - 0.7) < 0.03)
        let dy = randomTensor([8, 1000], seed: 18)
        let dx = try drop.backward(dy)
        for i in 0..<x.count {
            #expect(abs(dx.pointer[i] - (y.pointer[i] == 0 ? 0 : dy.pointer[i] / 0.7)) < 1e-5)
        }
        #expect(try drop.forward(x, training: false).array == x.array)
    }

    @Test func softmaxCrossEntropyWithClassAndSampleWeights() throws {
        let loss = SoftmaxCrossEntropy()
        let logits = randomTensor([5, 4], seed: 19, scale: 3)
        let labels = [0, 3, 1, 1, 2]
        let cw: [Float] = [1, 2, 0.5, 3], sw: [Float] = [1, 0.5, 2, 0, 1]
        let value = try loss.forward(logits, labels: labels, classWeights: cw, sampleWeights: sw)
        // Reference in Double.
        var num = 0.0, den = 0.0
        for i in 0..<5 {
            let row = (0..<4).map { Double(logits[i, $0]) }
            let lse = log(row.map { exp($0) }.reduce(0, +))
            let a = Double(cw[labels[i]] * sw[i])
            num += a * (lse - row[labels[i]])
            den += a
        }
        #expect(abs(Double(value) - num / den) < 1e-5)
        let grad = try loss.backward().copy()
        let eps: Float = 1e-2
        for index in 0..<logits.count {
            let old = logits.pointer[index]
            logits.pointer[index] = old + eps
            let plus = try loss.forward(logits, labels: labels, classWeights: cw, sampleWeights: sw)
            logits.pointer[index] = old - eps
            let minus = try loss.forward(logits, labels: labels, classWeights: cw, sampleWeights: sw)
            logits.pointer[index] = old
            let numeric = Double(plus - minus) / Double(2 * eps)
            #expect(abs(numeric - Double(grad.pointer[index])) < 2e-3, "logit \(index)")
        }
        // Sample 3 has weight 0: no gradient.
        #expect((0..<4).allSatisfy { grad[3, $0] == 0 })
    }

    /// Logit-adjusted loss (Menon et al. 2021, Eq. 10): loss and gradient equal plain cross-entropy on z + o,
    /// computed by hand in Double; the caller's logits are not modified.
    @Test func softmaxCrossEntropyWithLogitOffsets() throws {
        let loss = SoftmaxCrossEntropy()
        let offsets: [Float] = [-0.1, -2.3, -4.6, -0.7]  // log π of a long-tailed mix
        loss.logitOffsets = offsets
        let logits = randomTensor([3, 4], seed: 23, scale: 2)
        let before = logits.array
        let labels = [2, 0, 1]
        let value = try loss.forward(logits, labels: labels)
        #expect(logits.array == before)
        let grad = try loss.backward().copy()
        var total = 0.0
        for i in 0..<3 {
            let row = (0..<4).map { Double(logits[i, $0]) + Double(offsets[$0]) }
            let sum = row.map { exp($0) }.reduce(0, +)
            total += log(sum) - row[labels[i]]
            for j in 0..<4 {
                let expected = (exp(row[j]) / sum - (j == labels[i] ? 1 : 0)) / 3
                #expect(abs(Double(grad[i, j]) - expected) < 1e-5, "grad[\(i), \(j)]")
            }
        }
        #expect(abs(Double(value) - total / 3) < 1e-5)
        loss.logitOffsets = [0, 0]
        #expect(throws: NNError.self) { try loss.forward(logits, labels: labels) }
    }

    @Test func softmaxCrossEntropyRejectsBadLabelsAndWeights() {
        let loss = SoftmaxCrossEntropy()
        let logits = Tensor(zeros: [2, 3])
        #expect(throws: NNError.self) { try loss.forward(logits, labels: [0, 3]) }
        #expect(throws: NNError.self) { try loss.forward(logits, labels: [0]) }
        #expect(throws: NNError.self) { try loss.forward(logits, labels: [0, 1], classWeights: [1, 1]) }
        #expect(throws: NNError.self) { try loss.forward(logits, labels: [0, 1], sampleWeights: [1, -1]) }
    }
}
