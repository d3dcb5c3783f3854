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
}
