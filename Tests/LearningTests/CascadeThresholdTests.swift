import Learning
import Testing

/// The cascade's threshold (issue 20): the lowest confidence whose settled frames' agreement with the main model
/// has a Wilson lower bound at the target; frames of equal confidence are settled together; `never` when no set
/// reaches it. Level ½ (z = 0) makes the bound the raw agreement, which the first two cases use.
@Suite struct CascadeThresholdTests {
    @Test func lowestConfidenceThatKeepsTheTargetAgreement() {
        // Sorted by confidence: 0.99 ✓, 0.95 ✓, 0.90 ✓, 0.80 ✗, 0.70 ✓, 0.60 ✗ ✗
        let c = [0.95, 0.60, 0.99, 0.70, 0.80, 0.90, 0.60]
        let a = [true, false, true, true, false, true, false]
        let strict = CascadeThreshold.choose(confidence: c, agrees: a, target: 1, level: 0.5)
        #expect(strict.threshold == 0.90 && strict.agreement == 1 && strict.coverage == 3.0 / 7)
        // 4 of 5 at 0.70 (0.8) ≥ 0.8; at 0.60 the two ties enter together: 4 of 7.
        let loose = CascadeThreshold.choose(confidence: c, agrees: a, target: 0.8, level: 0.5)
        #expect(loose.threshold == 0.70 && loose.agreement == 0.8 && loose.coverage == 5.0 / 7)
        let measured = CascadeThreshold.measure(confidence: c, agrees: a, threshold: 0.70)
        #expect(measured.agreement == 0.8 && measured.coverage == 5.0 / 7)
    }

    @Test func neverWhenEvenTheMostConfidentFrameDisagrees() {
        let r = CascadeThreshold.choose(confidence: [0.9, 0.5], agrees: [false, true], target: 0.98, level: 0.5)
        #expect(r.threshold == CascadeThreshold.never && r.coverage == 0)
        #expect(CascadeThreshold.measure(confidence: [0.9, 0.5], agrees: [false, true], threshold: r.threshold).coverage == 0)
    }

    @Test func wilsonBoundAgainstHandComputedValues() {
        #expect(abs(CascadeThreshold.normalQuantile(0.95) - 1.644_853_6) < 1e-6)
        #expect(abs(CascadeThreshold.normalQuantile(0.975) - 1.959_964_0) < 1e-6)
        #expect(CascadeThreshold.normalQuantile(0.5) < 1e-9)
        // 45 of 50 at z = 1.96: p̂ = 0.9, (0.9 + 0.038415 − 1.96·√(0.0018 + 0.00038415)) / 1.076829 = 0.786398.
        #expect(abs(CascadeThreshold.wilsonLowerBound(successes: 45, trials: 50, z: 1.959_964) - 0.786_398) < 1e-5)
        // All agreeing: n / (n + z²).
        #expect(abs(CascadeThreshold.wilsonLowerBound(successes: 20, trials: 20, z: 2) - 20.0 / 24) < 1e-12)
        #expect(CascadeThreshold.wilsonLowerBound(successes: 0, trials: 0, z: 2) == 0)
    }

    @Test func smallSplitsSettleNothingAtNinetyEightPercent() {
        // Every frame agrees: at 95 % the bound n / (n + 2.7055) first reaches 0.98 at n = 133.
        for (n, settles) in [(132, false), (133, true)] {
            let c = (0..<n).map { 0.99 - Double($0) * 1e-4 }
            let r = CascadeThreshold.choose(confidence: c, agrees: Array(repeating: true, count: n), target: 0.98)
            #expect((r.settled > 0) == settles, "n = \(n): \(r)")
            if settles { #expect(r.threshold == c.last! && r.lowerBound >= 0.98 && r.agreement == 1) }
        }
        // 300 frames, the 40 least confident disagree: the bound admits one of them (260/261: bound 0.983,
        // 260/262: 0.977), the raw rule five (260/265 = 0.981).
        let c = (0..<300).map { 0.99 - Double($0) * 1e-3 }
        let a = (0..<300).map { $0 < 260 }
        let bound = CascadeThreshold.choose(confidence: c, agrees: a, target: 0.98)
        let raw = CascadeThreshold.choose(confidence: c, agrees: a, target: 0.98, level: 0.5)
        #expect(bound.settled == 261 && bound.agreement == 260.0 / 261 && bound.lowerBound >= 0.98)
        #expect(raw.settled == 265 && raw.agreement >= 0.98 && raw.agreement < 1)
    }
}
