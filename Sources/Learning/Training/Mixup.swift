import CamsiftCore
import Foundation
import NN

/// Mixup (Zhang et al. 2018, Eq. 1): each batch becomes λ·x_i + (1 − λ)·x_{π(i)} for a random permutation π, with
/// λ ~ Beta(α, α) once per batch, and the loss takes the same mix of the two one-hot targets.
///
/// Why here: under class-balanced draws M1 sees each tail image ~25 times per pass (ρ = 100), and the
/// flip-and-crop augmentation varies it only a little; mixing with another draw gives every repetition a new
/// input and a soft target, the regulariser MiSLAS (Zhong et al. 2021, §3.1) found to help most on long tails.
/// Off by default; `--mixup α` / `--m1-mixup α`.
public struct Mixup: Sendable {
    public let alpha: Double

    public init(alpha: Double) {
        precondition(alpha > 0, "Mixup: α must be positive")
        self.alpha = alpha
    }

    /// Mixes `batch` (n rows of `per` values) in place and returns the targets' partners and λ.
    public func apply(to batch: inout [Float], labels: [Int], per: Int, rng: inout SeededGenerator) -> MixedLabels {
        let n = labels.count
        let lambda = Float(Self.beta(alpha, alpha, rng: &rng))
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
        let original = Array(batch[0..<(n * per)])
        original.withUnsafeBufferPointer { src in
            batch.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let a = i * per, b = order[i] * per
                    for k in 0..<per { dst[a + k] = lambda * src[a + k] + (1 - lambda) * src[b + k] }
                }
            }
        }
        return MixedLabels(partners: order.map { labels[$0] }, lambda: lambda)
    }

    /// Beta(a, b) as X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    static func beta(_ a: Double, _ b: Double, rng: inout SeededGenerator) -> Double {
        let x = gamma(a, rng: &rng), y = gamma(b, rng: &rng)
        return x + y > 0 ? x / (x + y) : 0.5
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through Gamma(shape + 1)·U^(1/shape).
    static func gamma(_ shape: Double, rng: inout SeededGenerator) -> Double {
        if shape < 1 {
            let u = max(rng.unit(), .leastNonzeroMagnitude)
            return gamma(shape + 1, rng: &rng) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat {
                x = normal(rng: &rng)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = rng.unit()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(max(u, .leastNonzeroMagnitude)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// Standard normal by Box–Muller.
    static func normal(rng: inout SeededGenerator) -> Double {
        let u1 = max(rng.unit(), .leastNonzeroMagnitude), u2 = rng.unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
