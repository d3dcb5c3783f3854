/// Multinomial logistic regression, z = W·x + b, trained with SGD + momentum on (weighted) softmax
/// cross-entropy. It is the smallest `TrainableNetwork`: the trainer's tests use it because it trains
/// in milliseconds and is exactly reproducible.
public final class LinearSoftmaxNetwork: TrainableNetwork {
    public let inputShape: (channels: Int, height: Int, width: Int)
    public let classCount: Int
    public var architecture: String { "linear-softmax" }
    var weight: [Float]  // [classCount][inputCount]
    var bias: [Float]
    var vWeight: [Float]
    var vBias: [Float]
    public var momentum: Float = 0.9
    public var weightDecay: Float = 1e-4

    public init(inputShape: (channels: Int, height: Int, width: Int), classCount: Int, seed: UInt64) {
        self.inputShape = inputShape
        self.classCount = classCount
        let d = inputShape.channels * inputShape.height * inputShape.width
        var rng = SeededGenerator(seed: seed, stream: "linear-init")
        let bound = Float((1.0 / Double(d)).squareRoot())
        weight = (0..<(classCount * d)).map { _ in Float(rng.unit() * 2 - 1) * bound }
        bias = [Float](repeating: 0, count: classCount)
        vWeight = [Float](repeating: 0, count: weight.count)
        vBias = bias
    }

    func logits(_ x: UnsafeBufferPointer<Float>, _ i: Int, _ d: Int, into z: inout [Float]) {
        for c in 0..<classCount {
            var s = bias[c]
            let wo = c * d, xo = i * d
            for k in 0..<d { s += weight[wo + k] * x[xo + k] }
            z[c] = s
        }
    }

    static func softmax(_ z: inout [Float]) {
        let m = z.max() ?? 0
        var sum: Float = 0
        for c in z.indices { z[c] = expf(z[c] - m); sum += z[c] }
        for c in z.indices { z[c] /= sum }
    }

    public func trainStep(inputs: [Float], labels: [Int], sampleWeights: [Float]?, learningRate: Float) throws -> Float {
        let d = inputCount, n = labels.count
        var gW = [Float](repeating: 0, count: weight.count), gB = [Float](repeating: 0, count: classCount)
        var z = [Float](repeating: 0, count: classCount)
        var loss: Float = 0
        inputs.withUnsafeBufferPointer { x in
            for i in 0..<n {
                logits(x, i, d, into: &z)
                Self.softmax(&z)
                let w = sampleWeights?[i] ?? 1
                loss -= w * logf(max(z[labels[i]], 1e-12))
                for c in 0..<classCount {
                    let g = w * (z[c] - (c == labels[i] ? 1 : 0)) / Float(n)
                    gB[c] += g
                    let wo = c * d, xo = i * d
                    for k in 0..<d { gW[wo + k] += g * x[xo + k] }
                }
            }
        }
        for j in weight.indices {
            vWeight[j] = momentum * vWeight[j] + gW[j] + weightDecay * weight[j]
            weight[j] -= learningRate * vWeight[j]
        }
        for c in bias.indices {
            vBias[c] = momentum * vBias[c] + gB[c]
            bias[c] -= learningRate * vBias[c]
        }
        return loss / Float(n)
    }

    public func probabilities(inputs: [Float], count: Int) throws -> [Float] {
        var out = [Float](repeating: 0, count: count * classCount)
        var z = [Float](repeating: 0, count: classCount)
        inputs.withUnsafeBufferPointer { x in
            for i in 0..<count {
                logits(x, i, inputCount, into: &z)
                Self.softmax(&z)
                for c in 0..<classCount { out[i * classCount + c] = z[c] }
            }
        }
        return out
    }

    public func snapshot() -> [[Float]] { [weight, bias] }
    public func restore(_ s: [[Float]]) { weight = s[0]; bias = s[1] }

    public func save(to path: String, classes: [String], metadata: [String: String]) throws {
        throw LearningError(.badArgument, "the linear-softmax test network is not saved as a model file; use --arch small")
    }
}

import CamsiftCore
#if canImport(Glibc)
import Glibc
#endif
