import CamsiftCore
import Testing
@testable import NN

/// End-to-end: the small CNN learns a toy image task, seeded runs repeat exactly, models round-trip through
/// `namedParameters()` / `load(named:)`, and freezing limits what backward touches.
@Suite(.serialized) struct TrainingTests {
    /// Bars: class 0 = a horizontal bright bar, class 1 = a vertical one, at random positions, plus noise.
    static func bars(count: Int, size: Int, seed: UInt64) -> (Tensor, [Int]) {
        var rng = SeededGenerator(seed: seed)
        let x = Tensor(zeros: Shape(n: count, c: 1, h: size, w: size))
        var labels: [Int] = []
        for i in 0..<count {
            let label = Int(rng.next() % 2), at = 1 + Int(rng.next() % UInt64(size - 2))
            labels.append(label)
            for y in 0..<size {
                for xx in 0..<size {
                    let onBar = label == 0 ? y == at : xx == at
                    x[i, 0, y, xx] = (onBar ? 1 : 0) + rng.uniform(0.3)
                }
            }
        }
        return (x, labels)
    }

    static func train(seed: UInt64, steps: Int) throws -> (Sequential, [Float]) {
        let model = try SmallCNN.make(inputChannels: 1, inputSize: 12, classes: 2, seed: seed)
        let optimizer = Adam(model, learningRate: 3e-3)
        let loss = SoftmaxCrossEntropy()
        let (x, y) = bars(count: 256, size: 12, seed: 99)
        var losses: [Float] = []
        for step in 0..<steps {
            let start = (step * 16) % 256
            let batch = x.batch(start..<(start + 16))
            let labels = Array(y[start..<(start + 16)])
            optimizer.zeroGrad()
            let logits = try model.forward(batch, training: true)
            losses.append(try loss.forward(logits, labels: labels))
            _ = try model.backward(try loss.backward())
            optimizer.step()
        }
        return (model, losses)
    }

    @Test func smallCNNLearnsBars() throws {
        let (model, losses) = try Self.train(seed: 5, steps: 80)
        let early = losses.prefix(10).reduce(0, +) / 10, late = losses.suffix(10).reduce(0, +) / 10
        #expect(late < early * 0.5, "loss \(early) → \(late)")
        let (test, labels) = Self.bars(count: 200, size: 12, seed: 1234)
        let predicted = try model.predictClasses(test)
        let accuracy = Double(zip(predicted, labels).filter { $0 == $1 }.count) / 200
        #expect(accuracy > 0.9, "accuracy \(accuracy)")
        let probabilities = try model.predictProbabilities(test.batch(0..<3))
        #expect(probabilities.count == 6)
        #expect(abs(probabilities[0] + probabilities[1] - 1) < 1e-5)
    }

    @Test func seededTrainingRepeatsExactly() throws {
        let (_, first) = try Self.train(seed: 8, steps: 12)
        let (_, second) = try Self.train(seed: 8, steps: 12)
        #expect(first == second)
        let (_, other) = try Self.train(seed: 9, steps: 12)
        #expect(first != other)
    }

    @Test func parametersRoundTripByName() throws {
        let a = try SmallCNN.make(inputChannels: 3, inputSize: 32, classes: 4, layout: .gap, seed: 1)
        let b = try SmallCNN.make(inputChannels: 3, inputSize: 32, classes: 4, layout: .gap, seed: 2)
        // Give A non-default BN statistics so buffers are part of the check.
        let x = randomTensor([8, 3, 32, 32], seed: 3)
        _ = try a.forward(x, training: true)
        let names = a.namedParameters().map(\.0)
        #expect(names.contains("conv1.weight") && names.contains("bn2.running_var") && names.contains("fc.bias"))
        #expect(!names.contains { $0.hasPrefix("conv1.bias") })
        let probe = randomTensor([2, 3, 32, 32], seed: 4)
        let expected = try a.predictProbabilities(probe)
        #expect(try b.predictProbabilities(probe) != expected)
        try b.load(named: a.namedParameters().map { ($0.0, $0.1.copy()) })
        #expect(try b.predictProbabilities(probe) == expected)
    }

    @Test func loadRefusesIncompleteOrMismatchedSetsAndChangesNothing() throws {
        let model = try SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 3, layout: .gap, seed: 1)
        let before = model.namedParameters().map { $0.1.array }
        var tensors = model.namedParameters().map { ($0.0, Tensor(zeros: $0.1.shape)) }
        tensors.removeLast()
        let missing = #expect(throws: NNError.self) { try model.load(named: tensors) }
        #expect(missing?.code == .missingTensor)
        #expect(missing?.message.contains("fc.bias") == true)
        var wrongShape = model.namedParameters().map { ($0.0, Tensor(zeros: $0.1.shape)) }
        wrongShape[0] = ("conv1.weight", Tensor(zeros: [32, 3, 3, 3]))
        let shape = #expect(throws: NNError.self) { try model.load(named: wrongShape) }
        #expect(shape?.code == .shapeMismatch)
        let extra = model.namedParameters().map { ($0.0, Tensor(zeros: $0.1.shape)) } + [("head.weight", Tensor(zeros: [1]))]
        #expect(throws: NNError.self) { try model.load(named: extra) }
        #expect(model.namedParameters().map { $0.1.array } == before)
        try model.load(named: extra, strict: false)
        #expect(model.namedParameters().allSatisfy { $0.1.array.allSatisfy { $0 == 0 } })
    }

    @Test func frozenPrefixGetsNoGradientAndNoUpdate() throws {
        let model = try SmallCNN.make(inputChannels: 1, inputSize: 12, classes: 2, layout: .gap, seed: 3)
        #expect(model.setFrozen(true, prefixes: ["conv1.", "bn1.", "conv2.", "bn2."]) == 6)
        let before = model.namedParameters().filter { $0.0.hasPrefix("conv1.") }.map { $0.1.array }
        let optimizer = SGD(model, learningRate: 0.1, momentum: 0.9)
        let (x, y) = Self.bars(count: 8, size: 12, seed: 4)
        let loss = SoftmaxCrossEntropy()
        optimizer.zeroGrad()
        _ = try loss.forward(try model.forward(x, training: true), labels: y)
        _ = try model.backward(try loss.backward())
        for (name, p) in model.parameters() {
            let nonzero = p.grad.array.contains { $0 != 0 }
            #expect(nonzero == !p.isFrozen, "\(name)")
        }
        // The first trainable layer computes no input gradient; nothing before it runs backward.
        #expect(model["conv3"]!.needsInputGradient == false)
        optimizer.step()
        #expect(model.namedParameters().filter { $0.0.hasPrefix("conv1.") }.map { $0.1.array } == before)
        // Unfreezing later takes effect without a new optimizer.
        model.setFrozen(false)
        #expect(model.parameters().allSatisfy { !$0.1.isFrozen })
    }

    @Test func threadCountDoesNotChangeResults() throws {
        let saved = NNThreads.count
        defer { NNThreads.set(saved) }
        var seen = [Int](repeating: 0, count: 1000)
        NNThreads.set(2)
        seen.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            NNThreads.parallelChunks(1000, grain: 10) { range in
                for i in range { base[i] += 1 }
            }
        }
        #expect(seen.allSatisfy { $0 == 1 })
        var results: [[Float]] = []
        for threads in [1, 2] {
            NNThreads.set(threads)
            var rng = SeededGenerator(seed: 1)
            let net = Sequential([
                ("conv", Conv2D(3, 8, kernel: 3, padding: 1, rng: &rng)),
                ("dw", DepthwiseConv2D(channels: 8, kernel: (3, 3), stride: (2, 2), rng: &rng)),
                ("bn", BatchNorm2d(channels: 8)), ("gap", GlobalAvgPool()),
            ])
            net.needsInputGradient = true
            let x = randomTensor([4, 3, 16, 16], seed: 2)
            let y = try net.forward(x, training: true).copy()
            let dx = try net.backward(randomTensor(y.shape, seed: 3))
            results.append(y.array + dx.array)
        }
        // Bit for bit: GEMM column blocks depend on the shape only (BLAS.gemm), the rest splits per channel.
        #expect(results[0] == results[1])
    }
}
