import CamsiftCore
import Foundation
import Testing
@testable import Learning
import Serving

/// Temperature scaling (Guo et al. 2017 §4.2) and expected calibration error (Eq. 3, 15 bins): the fit
/// recovers a temperature we planted, and ECE matches numbers worked out by hand.
@Suite struct CalibrationTests {
    /// A synthetic world with a known answer: true logits z_i ~ N(0, 1.5²) per class, labels drawn from
    /// softmax(z_i) (so softmax(z) is perfectly calibrated), and a "classifier" whose logits are t0·z_i —
    /// over- (t0 > 1) or under-confident (t0 < 1). Dividing its logits by T = t0 gives back the calibrated
    /// probabilities, so the likelihood-maximising T on many samples is close to t0.
    static func world(t0: Double, n: Int, k: Int = 5, seed: UInt64) -> (probabilities: [[Float]], labels: [Int], truth: [[Double]]) {
        var g = SeededGenerator(seed: seed, stream: "calibration-world")
        func normal() -> Double {  // Box–Muller
            let u1 = max(g.unit(), 1e-300), u2 = g.unit()
            return Foundation.sqrt(-2 * Foundation.log(u1)) * Foundation.cos(2 * Double.pi * u2)
        }
        func softmax(_ z: [Double]) -> [Double] {
            let m = z.max()!
            let e = z.map { Foundation.exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
        var probs: [[Float]] = [], labels: [Int] = [], truth: [[Double]] = []
        for _ in 0..<n {
            let z = (0..<k).map { _ in 1.5 * normal() }
            let p = softmax(z)
            var u = g.unit(), y = k - 1
            for c in 0..<k { u -= p[c]; if u < 0 { y = c; break } }
            labels.append(y)
            truth.append(p)
            probs.append(softmax(z.map { $0 * t0 }).map(Float.init))
        }
        return (probs, labels, truth)
    }

    @Test(arguments: [2.5, 0.5, 1.0])
    func fitRecoversAPlantedTemperature(t0: Double) {
        let w = Self.world(t0: t0, n: 5000, seed: 11)
        let fit = TemperatureScaling.fit(probabilities: w.probabilities, labels: w.labels)
        #expect(fit.identifiable)
        #expect(abs(fit.temperature / t0 - 1) < 0.05, "fitted T = \(fit.temperature), planted \(t0)")
        // It is the minimum of the likelihood, not merely near the planted value.
        let z = w.probabilities.map(Temperature.logits)
        let at = { TemperatureScaling.negativeLogLikelihood(logits: z, labels: w.labels, temperature: $0) }
        #expect(fit.nllAfter <= at(fit.temperature * 1.02) && fit.nllAfter <= at(fit.temperature / 1.02))
        #expect(fit.nllAfter <= fit.nllBefore + 1e-12)
        // The scaled probabilities are (close to) the true ones.
        let worst = zip(w.probabilities, w.truth).prefix(200).map { p, q in
            zip(Temperature.scale(p, by: fit.temperature), q).map { abs(Double($0) - $1) }.max()!
        }.max()!
        #expect(worst < 0.05, "largest gap to the true probabilities \(worst)")
    }

    @Test func scalingAtTheFittedTemperatureRemovesMostOfTheCalibrationError() throws {
        let w = Self.world(t0: 2.5, n: 5000, seed: 12)
        let fit = TemperatureScaling.fit(probabilities: w.probabilities, labels: w.labels)
        var r = CalibrationReport(temperature: fit.temperature, fit: fit)
        let predictions = w.probabilities.map { (label: Fusion.argmax($0), probabilities: $0) }
        r.measure("synthetic", predictions: predictions, labels: w.labels)
        let m = try #require(r.sets.first)
        // The floor any estimate hits on 5,000 draws: the ECE of the true probabilities themselves (15 bins of
        // finite samples are never exactly calibrated).
        let noise = ExpectedCalibration(probabilities: w.truth.map { $0.map(Float.init) }, predicted: predictions.map(\.label),
                                        labels: w.labels).value
        // Overconfident by a factor 2.5 in the logits: a large gap before, sampling noise after.
        #expect(m.before.value > 0.1, "ECE before \(m.before.value)")
        #expect(m.after.value < noise + 0.01, "ECE after \(m.after.value), of the true probabilities \(noise)")
        #expect(m.after.value < m.before.value / 4)
        #expect(m.after.bins.count == 15)
    }

    @Test func anErrorFreeFittingSetKeepsTheScoresAsTheyAre() {
        // Every prediction right: the likelihood rises without bound as T → 0, so there is nothing to fit.
        let probs: [[Float]] = [[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]
        let fit = TemperatureScaling.fit(probabilities: probs, labels: [0, 1, 2])
        #expect(!fit.identifiable && fit.temperature == 1)
        // One error makes it identifiable, and the fit lands strictly inside the search range.
        let withError = TemperatureScaling.fit(probabilities: probs + [[0.5, 0.3, 0.2]], labels: [0, 1, 2, 1])
        #expect(withError.identifiable)
        #expect(withError.temperature > TemperatureScaling.range.lowerBound * 1.01
                && withError.temperature < TemperatureScaling.range.upperBound / 1.01)
    }

    @Test func scalingNeverChangesTheTopClass() {
        var g = SeededGenerator(seed: 3)
        for _ in 0..<500 {
            let raw = (0..<6).map { _ in g.unit() * g.unit() + 1e-9 }
            let s = raw.reduce(0, +)
            let p = raw.map { Float($0 / s) }
            for t in [0.05, 0.3, 0.7, 1.0, 1.6, 4.0, 20.0] {
                #expect(Fusion.argmax(Temperature.scale(p, by: t)) == Fusion.argmax(p))
            }
        }
    }

    /// Six predictions over three bins, worked by hand (bins are (m/15, (m+1)/15]):
    /// - bin 14 (0.9333, 1]: confidences 0.95 ✓, 0.97 ✗, 0.99 ✓ → conf 0.97, acc 2/3, gap 0.303333…, weight 3/6;
    /// - bin 8 (0.5333, 0.6]: 0.55 ✓, 0.58 ✗ → conf 0.565, acc 0.5, gap 0.065, weight 2/6;
    /// - bin 3 (0.2, 0.2667]: 0.25 ✗ → conf 0.25, acc 0, gap 0.25, weight 1/6.
    /// ECE = (3·0.303333… + 2·0.065 + 0.25) / 6 = (0.91 + 0.13 + 0.25) / 6 = 1.29 / 6 = 0.215.
    @Test func eceMatchesAHandComputedCase() {
        let e = ExpectedCalibration(confidences: [0.95, 0.97, 0.99, 0.55, 0.58, 0.25],
                                    correct: [true, false, true, true, false, false])
        #expect(abs(e.value - 0.215) < 1e-12, "ECE \(e.value)")
        #expect(e.bins.map(\.count) == [0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3])
        #expect(abs(e.bins[14].confidence - 0.97) < 1e-12 && abs(e.bins[14].accuracy - 2.0 / 3) < 1e-12)
        // The same predictions as probability rows of a 4-class problem (top-1 probability = the confidence).
        let rows: [[Float]] = [[0.95, 0.03, 0.01, 0.01], [0.97, 0.01, 0.01, 0.01], [0.003, 0.99, 0.004, 0.003],
                               [0.2, 0.15, 0.55, 0.1], [0.58, 0.4, 0.01, 0.01], [0.25, 0.25, 0.25, 0.25]]
        let e2 = ExpectedCalibration(probabilities: rows, predicted: rows.map(Fusion.argmax), labels: [0, 2, 1, 2, 1, 1])
        #expect(abs(e2.value - 0.215) < 1e-6, "ECE from rows \(e2.value)")
    }

    @Test func eceBinEdgesAndWeights() {
        // Exactly 0 goes to the first bin, exactly 1 to the last; both perfectly calibrated here.
        let edges = ExpectedCalibration(confidences: [0, 1], correct: [false, true])
        #expect(edges.bins[0].count == 1 && edges.bins[14].count == 1 && edges.value == 0)
        // Just above 1/15 is bin 1; 0.5 (= 7.5/15) is bin 7.
        let inner = ExpectedCalibration(confidences: [1.0 / 15 + 1e-9, 0.5], correct: [true, true])
        #expect(inner.bins[1].count == 1 && inner.bins[7].count == 1)
        // Bins are open below and closed above: with 4 bins (exact binary edges) 0.5 is in (0.25, 0.5], not the next.
        let four = ExpectedCalibration(confidences: [0.25, 0.5, 0.75], correct: [true, true, true], bins: 4)
        #expect(four.bins.map(\.count) == [1, 1, 1, 0])
        // Weighted: conf 0.9 right with weight 3, wrong with weight 1 → acc 0.75, ECE |0.75 − 0.9| = 0.15.
        let w = ExpectedCalibration(confidences: [0.9, 0.9], correct: [true, false], weights: [3, 1])
        #expect(abs(w.value - 0.15) < 1e-12)
        // 15 bins of 1/15: 0.9 lies in (13/15, 14/15].
        #expect(w.bins[13].count == 4)
    }

    /// A weight is a repeat count: weight 2 on a row fits the same T as the row listed twice, equal weights fit the
    /// unweighted T, and class-balanced weights give each class the same total.
    @Test func weightsActAsRepeatCounts() {
        let w = Self.world(t0: 1.8, n: 600, seed: 21)
        let doubled = w.probabilities.indices.map { $0 % 3 == 0 ? 2.0 : 1.0 }
        var probs: [[Float]] = [], labels: [Int] = []
        for (i, p) in w.probabilities.enumerated() {
            for _ in 0..<Int(doubled[i]) { probs.append(p); labels.append(w.labels[i]) }
        }
        let weighted = TemperatureScaling.fit(probabilities: w.probabilities, labels: w.labels, weights: doubled)
        let repeated = TemperatureScaling.fit(probabilities: probs, labels: labels)
        #expect(abs(weighted.temperature / repeated.temperature - 1) < 1e-6)
        #expect(weighted.classBalanced == nil && repeated.classBalanced == nil)
        let equal = TemperatureScaling.fit(probabilities: w.probabilities, labels: w.labels, weights: Array(repeating: 0.25, count: 600))
        #expect(abs(equal.temperature / TemperatureScaling.fit(probabilities: w.probabilities, labels: w.labels).temperature - 1) < 1e-6)
        let b = TemperatureScaling.classBalancedWeights(labels: [0, 0, 0, 1, 2, 2])
        let third: Double = 1.0 / 3
        let expected: [Double] = [third, third, third, 1, 0.5, 0.5]
        #expect(b == expected)
    }

    /// The balanced view's fit follows the rare class: a common class whose scores are calibrated (t0 = 1) and a
    /// rare one whose scores are overconfident (t0 = 3) — the plain fit sits near the common class's T = 1, the
    /// class-balanced fit well above it, toward the rare class's 3.
    @Test func classBalancedFitFollowsTheRareClass() {
        let common = Self.world(t0: 1, n: 3000, seed: 31), rare = Self.world(t0: 3, n: 3000, seed: 32)
        // "Class" here is which world a row came from; only 150 rare rows are kept (ρ = 20).
        let probs = common.probabilities + rare.probabilities.prefix(150)
        let labels = common.labels + rare.labels.prefix(150)
        let origin = [Int](repeating: 0, count: 3000) + [Int](repeating: 1, count: 150)
        let plain = TemperatureScaling.fit(probabilities: probs, labels: labels)
        let balanced = TemperatureScaling.fit(probabilities: probs, labels: labels,
                                              weights: TemperatureScaling.classBalancedWeights(labels: origin))
        // `fitClassBalanced` is that fit when the classes are the labels themselves, and says so.
        let byLabel = TemperatureScaling.fitClassBalanced(probabilities: probs, labels: labels)
        let sameWeights = TemperatureScaling.fit(probabilities: probs, labels: labels,
                                                 weights: TemperatureScaling.classBalancedWeights(labels: labels))
        #expect(byLabel.classBalanced == true && byLabel.temperature == sameWeights.temperature)
        #expect(plain.temperature < 1.3, "plain fit \(plain.temperature)")
        #expect(balanced.temperature > 1.6 && balanced.temperature < 3, "class-balanced fit \(balanced.temperature)")
    }
}
