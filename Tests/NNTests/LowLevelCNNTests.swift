import CamsiftCore
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import NN

/// The Table III network (Yan, Chen, Shyu, Chen) and its Eq. 1 sigmoid: values, gradients, shapes, learning.
@Suite struct LowLevelCNNTests {
    @Test func sigmoidValuesAreTheLogistic() throws {
        let x = Tensor(shape: [1, 5], values: [-100, -2, 0, 2, 100])
        let y = try Sigmoid().forward(x, training: false).array
        let expected = [-100.0, -2, 0, 2, 100].map { 1 / (1 + exp(-$0)) }
        for (a, b) in zip(y, expected) { #expect(abs(Double(a) - b) < 1e-6) }
        #expect(y.allSatisfy { $0.isFinite })
    }

    @Test func sigmoidGradient() throws {
        let mismatches = try GradientCheck().run(Sigmoid(), input: randomTensor([3, 2, 4, 5], seed: 4, scale: 3))
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func shapesFollowTableIII() throws {
        let model = try LowLevelCNN.make()
        let input = Shape(n: 7, c: 1, h: 18, w: 18)
        let names = model.layers.map { $0.0 }
        #expect(names == ["conv1", "sig1", "conv2", "sig2", "flatten", "fc"])
        var shape = input
        var shapes: [Shape] = []
        for (_, layer) in model.layers { shape = try layer.outputShape(for: shape); shapes.append(shape) }
        #expect(shapes[0] == Shape(n: 7, c: 6, h: 16, w: 16))
        #expect(shapes[2] == Shape(n: 7, c: 9, h: 14, w: 14))
        #expect(shapes.last == Shape([7, 2]))
        let y = try model.forward(randomTensor(input, seed: 1), training: false)
        #expect(y.shape == Shape([7, 2]))
        #expect(model.parameters().reduce(0) { $0 + $1.1.value.count } == 60 + 495 + 3530)
        #expect(!model.layers.contains { $0.1 is MaxPool2d || $0.1 is AvgPool2d }, "no pooling (Table III)")
    }

    @Test func wholeNetworkGradient() throws {
        let model = try LowLevelCNN.make(outputSigmoid: true, seed: 3)
        let mismatches = try GradientCheck(samples: 32).run(model, input: randomTensor([2, 1, 18, 18], seed: 5))
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func learnsASeparableConcept() throws {
        // Positives have a raised 3×3 patch at a fixed place in the 18×18 feature map: the network must find it.
        var rng = SeededGenerator(seed: 21)
        let n = 64
        let x = Tensor(zeros: Shape(n: n, c: 1, h: 18, w: 18))
        var labels: [Int] = []
        for i in 0..<n {
            let label = i % 2
            labels.append(label)
            for p in 0..<324 { x.pointer[i * 324 + p] = rng.uniform(0.5) }
            if label == 1 { for dy in 0..<3 { for dx in 0..<3 { x[i, 0, 5 + dy, 9 + dx] += 1.5 } } }
        }
        let model = try LowLevelCNN.make(seed: 2)
        let optimizer = Adam(model, learningRate: 1e-2)
        let loss = SoftmaxCrossEntropy()
        var first: Float = 0, last: Float = 0
        for step in 0..<60 {
            optimizer.zeroGrad()
            let l = try loss.forward(try model.forward(x, training: true), labels: labels)
            _ = try model.backward(try loss.backward())
            optimizer.step()
            if step == 0 { first = l }
            last = l
        }
        #expect(last < first * 0.2, "loss \(first) → \(last)")
        let logits = try model.forward(x, training: false)
        let correct = (0..<n).filter { (logits[$0, 1] > logits[$0, 0] ? 1 : 0) == labels[$0] }.count
        #expect(correct == n)
    }
}
