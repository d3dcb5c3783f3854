import CamsiftCore
import Testing
@testable import NN

@Suite struct BatchNormTests {
    @Test func trainingUsesBatchStatisticsAndUpdatesRunningAverages() throws {
        let bn = BatchNorm2d(channels: 2, eps: 1e-5, momentum: 0.1)
        // Channel 0 holds 1...8 over two images, channel 1 holds 10 everywhere.
        let x = Tensor(zeros: [2, 2, 2, 2])
        for img in 0..<2 {
            for i in 0..<4 {
                x[img, 0, i / 2, i % 2] = Float(img * 4 + i + 1)
                x[img, 1, i / 2, i % 2] = 10
            }
        }
        let y = try bn.forward(x, training: true)
        // mean 4.5, biased var 5.25, unbiased 6.0
        let inv = 1 / (5.25 + 1e-5 as Float).squareRoot()
        #expect(abs(y[0, 0, 0, 0] - (1 - 4.5) * inv) < 1e-5)
        #expect(abs(y[1, 0, 1, 1] - (8 - 4.5) * inv) < 1e-5)
        #expect(abs(y[0, 1, 0, 0]) < 1e-5)
        #expect(abs(bn.runningMean[0] - 0.45) < 1e-6)
        #expect(abs(bn.runningVar[0] - (0.9 + 0.1 * 6)) < 1e-5)
        #expect(abs(bn.runningMean[1] - 1.0) < 1e-6)
        #expect(abs(bn.runningVar[1] - 0.9) < 1e-6)
        // Inference uses the running estimates, not the batch.
        let z = try bn.forward(x, training: false)
        #expect(abs(z[0, 0, 0, 0] - (1 - 0.45) / (1.5 + 1e-5 as Float).squareRoot()) < 1e-5)
    }

    @Test func foldingIntoConvolutionMatchesConvThenBatchNorm() throws {
        var rng = SeededGenerator(seed: 3)
        let conv = Conv2D(inChannels: 3, outChannels: 5, kernel: (3, 3), stride: (2, 2), padding: .same,
                          bias: false, rng: &rng)
        let bn = BatchNorm2d(channels: 5, eps: 1e-3)
        rng.fillUniform(bn.gamma.value, bound: 2)
        rng.fillUniform(bn.beta.value, bound: 1)
        rng.fillUniform(bn.runningMean, bound: 1)
        for c in 0..<5 { bn.runningVar.pointer[c] = 0.2 + 2 * rng.nextUnit() }
        let x = randomTensor([2, 3, 11, 11], seed: 4)
        let reference = try bn.forward(try conv.forward(x, training: false), training: false).copy()
        let folded = try bn.fold(into: conv)
        let y = try folded.forward(x, training: false)
        for i in 0..<y.count { #expect(abs(y.pointer[i] - reference.pointer[i]) < 1e-4) }

        let dw = DepthwiseConv2D(channels: 5, kernel: (5, 5), stride: (1, 1), padding: .same, rng: &rng)
        let x2 = randomTensor([2, 5, 9, 9], seed: 5)
        let reference2 = try bn.forward(try dw.forward(x2, training: false), training: false).copy()
        let y2 = try bn.fold(into: dw).forward(x2, training: false)
        for i in 0..<y2.count { #expect(abs(y2.pointer[i] - reference2.pointer[i]) < 1e-4) }
    }

    @Test func trainingOnASingleValuePerChannelIsRefused() {
        let bn = BatchNorm2d(channels: 3)
        let error = #expect(throws: NNError.self) {
            _ = try bn.forward(Tensor(zeros: [1, 3, 1, 1]), training: true)
        }
        #expect(error?.code == .invalidArgument)
    }

    /// The fused ReLU (`relu: true`, the small CNN's stages) gives the values of BatchNorm followed by a `ReLU`
    /// layer, forward and backward, with batch statistics and with frozen γ/β (running statistics); planes of
    /// 5×7 (35 = two SIMD vectors + a scalar tail) so both code paths run. Inference forward: last check.
    @Test(arguments: [false, true])
    func fusedReLUMatchesBatchNormThenReLU(_ frozen: Bool) throws {
        let training = true
        func make(_ relu: Bool) -> BatchNorm2d {
            let bn = BatchNorm2d(channels: 3, relu: relu)
            var rng = SeededGenerator(seed: 7)
            rng.fillUniform(bn.gamma.value, bound: 1.5)
            rng.fillUniform(bn.beta.value, bound: 0.5)
            rng.fillUniform(bn.runningMean, bound: 0.5)
            for c in 0..<3 { bn.runningVar.pointer[c] = 0.5 + rng.nextUnit() }
            bn.gamma.isFrozen = frozen
            bn.beta.isFrozen = frozen
            return bn
        }
        let fused = make(true), plain = make(false), relu = ReLU()
        let x = randomTensor([4, 3, 5, 7], seed: 8, scale: 2)
        let dy = randomTensor([4, 3, 5, 7], seed: 9)
        let yFused = try fused.forward(x, training: training).copy()
        let yPlain = try relu.forward(try plain.forward(x, training: training), training: training).copy()
        var clipped = 0
        for i in 0..<x.count {
            #expect(yFused.pointer[i] == yPlain.pointer[i])
            if yPlain.pointer[i] == 0 { clipped += 1 }
        }
        #expect(clipped > 10 && clipped < x.count - 10, "the test must clip some values and keep others")
        let dxFused = try fused.backward(dy).copy()
        let dxPlain = try plain.backward(try relu.backward(dy)).copy()
        for i in 0..<x.count { #expect(abs(dxFused.pointer[i] - dxPlain.pointer[i]) <= 1e-6) }
        for c in 0..<3 {
            #expect(abs(fused.gamma.grad.pointer[c] - plain.gamma.grad.pointer[c]) <= 1e-5)
            #expect(abs(fused.beta.grad.pointer[c] - plain.beta.grad.pointer[c]) <= 1e-5)
            #expect(fused.runningMean.pointer[c] == plain.runningMean.pointer[c])
        }
        let zFused = try fused.forward(x, training: false).copy()
        let zPlain = try relu.forward(try plain.forward(x, training: false), training: false)
        for i in 0..<x.count { #expect(zFused.pointer[i] == zPlain.pointer[i]) }
    }
}
