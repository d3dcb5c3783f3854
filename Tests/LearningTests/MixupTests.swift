import CamsiftCore
import Foundation
import NN
import Testing
@testable import Learning

/// Mixup (Zhang et al. 2018): the loss's soft target against hand-computed values, the batch mix, and the Beta(α, α)
/// draws of λ.
@Suite struct MixupTests {
    /// Two classes, logits (ln 3, 0): p = (¾, ¼). With λ = ¾ of label 0 and ¼ of label 1 the target equals p, so the
    /// gradient is 0 and the loss is ¾·(−ln ¾) + ¼·(−ln ¼) = 0.562335.
    @Test func softTargetLossAndGradientByHand() throws {
        let loss = SoftmaxCrossEntropy()
        let logits = Tensor(shape: Shape(rows: 2, columns: 2), values: [Float(log(3.0)), 0, 0, 0])
        let mix = MixedLabels(partners: [1, 0], lambda: 0.75)
        let l = try loss.forward(logits, labels: [0, 1], mix: mix)
        // Row 2: p = (½, ½), target ¾ of label 1 + ¼ of label 0: loss ln 2, gradient (½ − ¼, ½ − ¾) = (¼, −¼).
        #expect(abs(Double(l) - (0.562335 + log(2.0)) / 2) < 1e-5)
        let g = try loss.backward().array
        let expected: [Float] = [0, 0, 0.125, -0.125]  // mean over the 2 rows
        #expect(zip(g, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "gradient \(g)")
    }

    /// λ = 1 is the plain loss (partners ignored), value and gradient.
    @Test func lambdaOneIsThePlainLoss() throws {
        let logits = Tensor(shape: Shape(rows: 3, columns: 4), values: (0..<12).map { Float($0 % 5) * 0.3 - 0.4 })
        let plain = SoftmaxCrossEntropy(), mixed = SoftmaxCrossEntropy()
        let a = try plain.forward(logits, labels: [0, 3, 2])
        let b = try mixed.forward(logits, labels: [0, 3, 2], mix: MixedLabels(partners: [1, 1, 1], lambda: 1))
        #expect(abs(a - b) < 1e-6)
        #expect(zip(try plain.backward().array, try mixed.backward().array).allSatisfy { abs($0 - $1) < 1e-7 })
        #expect(throws: NNError.self) { try mixed.forward(logits, labels: [0, 3, 2], mix: MixedLabels(partners: [1, 9, 1], lambda: 0.5)) }
    }

    /// Row i becomes λ·x_i + (1 − λ)·x_partner(i) and the partners are a permutation of the batch's labels.
    @Test func batchRowsAreMixedWithTheirPartners() {
        let per = 3, labels = [0, 1, 2, 3, 4]
        let original: [Float] = (0..<(labels.count * per)).map { Float($0 / per) * 10 + Float($0 % per) }
        var batch = original
        var rng = SeededGenerator(seed: 3, stream: "test")
        let mix = Mixup(alpha: 0.4).apply(to: &batch, labels: labels, per: per, rng: &rng)
        #expect(mix.lambda >= 0 && mix.lambda <= 1)
        #expect(mix.partners.sorted() == labels)
        for i in 0..<labels.count {
            let j = mix.partners[i]  // labels are the row indices here
            for k in 0..<per {
                let want = mix.lambda * original[i * per + k] + (1 - mix.lambda) * original[j * per + k]
                #expect(abs(batch[i * per + k] - want) < 1e-4)
            }
        }
    }

    /// Beta(α, α) draws: mean ½; α = 0.2 piles up near 0 and 1 (P(λ < 0.1 or λ > 0.9) = 0.673), α = 1 is uniform
    /// (≈ 0.2); Beta(2, 5) has mean 2/7; Gamma(k) has mean k, also for k < 1.
    @Test func betaAndGammaDrawsHaveTheirMoments() {
        var rng = SeededGenerator(seed: 11, stream: "test")
        let n = 20_000
        func draws(_ a: Double, _ b: Double) -> [Double] { (0..<n).map { _ in Mixup.beta(a, b, rng: &rng) } }
        func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
        func tails(_ x: [Double]) -> Double { Double(x.filter { $0 < 0.1 || $0 > 0.9 }.count) / Double(x.count) }
        let sharp = draws(0.2, 0.2), flat = draws(1, 1)
        #expect(abs(mean(sharp) - 0.5) < 0.015 && abs(mean(flat) - 0.5) < 0.01)
        #expect(tails(sharp) > 0.645 && tails(sharp) < 0.70, "P(tails) at α 0.2: \(tails(sharp))")
        #expect(abs(tails(flat) - 0.2) < 0.015)
        #expect(abs(mean(draws(2, 5)) - 2.0 / 7) < 0.005)
        for k in [0.3, 1.0, 4.5] {
            let g = (0..<n).map { _ in Mixup.gamma(k, rng: &rng) }
            #expect(abs(mean(g) - k) < 0.03 * max(k, 1), "Gamma(\(k)) mean \(mean(g))")
        }
    }
}
