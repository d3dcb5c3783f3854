import CamsiftCore
@testable import NN

/// Finite-difference gradient checking shared by the layer suites.
///
/// The scalar probed is L = Σ r_i · y_i with a fixed random projection r, accumulated in Double, so
/// dL/dy = r is what `backward` receives. Central differences (L(θ+ε) − L(θ−ε)) / 2ε are compared with the
/// analytic gradient for a sample of input elements and parameter elements with a relative tolerance
/// (|a − n| ≤ tol · max(|a|, |n|, floor), floor = 1e-2 · the largest analytic magnitude checked).
struct GradientCheck {
    var eps: Float = 1e-2
    var tolerance = 2e-2
    var samples = 48
    var seed: UInt64 = 7

    struct Mismatch: CustomStringConvertible {
        let what: String, index: Int, analytic: Double, numeric: Double
        var description: String { "\(what)[\(index)]: analytic \(analytic) vs numeric \(numeric)" }
    }

    /// Returns the mismatches (empty when the backward pass agrees with finite differences).
    func run(_ layer: any Layer, input: Tensor, training: Bool = true, checkInput: Bool = true) throws -> [Mismatch] {
        var rng = SeededGenerator(seed: seed)
        layer.needsInputGradient = checkInput
        let y = try layer.forward(input, training: training)
        let r = Tensor(zeros: y.shape)
        for i in 0..<r.count { r.pointer[i] = rng.uniform(1) }
        layer.zeroGrad()
        let dx = try layer.backward(r).copy()
        let params = layer.parameters().filter { !$0.1.isFrozen }
        let analyticParams = params.map { $0.1.grad.copy() }

        func loss() throws -> Double {
            let out = try layer.forward(input, training: training)
            var s = 0.0
            for i in 0..<out.count { s += Double(out.pointer[i]) * Double(r.pointer[i]) }
            return s
        }
        func numeric(_ t: Tensor, _ i: Int) throws -> Double {
            let old = t.pointer[i]
            t.pointer[i] = old + eps
            let plus = try loss()
            t.pointer[i] = old - eps
            let minus = try loss()
            t.pointer[i] = old
            return (plus - minus) / (2 * Double(eps))
        }

        var pairs: [(String, Int, Double, Double)] = []
        if checkInput {
            for i in sampleIndices(input.count, &rng) {
                pairs.append(("input", i, Double(dx.pointer[i]), try numeric(input, i)))
            }
        }
        for ((name, p), analytic) in zip(params, analyticParams) {
            for i in sampleIndices(p.value.count, &rng) {
                pairs.append((name, i, Double(analytic.pointer[i]), try numeric(p.value, i)))
            }
        }
        let scale = pairs.map { abs($0.2) }.max() ?? 0
        let floor = Swift.max(1e-2 * scale, 1e-4)
        return pairs.compactMap { what, i, a, n in
            abs(a - n) <= tolerance * Swift.max(abs(a), abs(n), floor) ? nil
                : Mismatch(what: what, index: i, analytic: a, numeric: n)
        }
    }

    private func sampleIndices(_ count: Int, _ rng: inout SeededGenerator) -> [Int] {
        if count <= samples { return Array(0..<count) }
        return (0..<samples).map { _ in Int(rng.next() % UInt64(count)) }
    }
}

/// Random tensors for tests.
func randomTensor(_ shape: Shape, seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    let t = Tensor(zeros: shape)
    for i in 0..<t.count { t.pointer[i] = rng.uniform(scale) }
    return t
}

/// Values whose magnitude is at least `gap` (keeps finite differences away from ReLU's kink at 0).
func awayFromZero(_ shape: Shape, seed: UInt64, gap: Float = 0.1) -> Tensor {
    let t = randomTensor(shape, seed: seed)
    for i in 0..<t.count {
        let v = t.pointer[i]
        t.pointer[i] = v >= 0 ? v + gap : v - gap
    }
    return t
}
