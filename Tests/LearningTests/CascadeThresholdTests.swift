import Learning
import Testing

/// The cascade's threshold (issue 20): the lowest confidence whose settled frames still agree with the main model
/// on the target share; frames of equal confidence are settled together; `never` when no set reaches it.
@Suite struct CascadeThresholdTests {
    @Test func lowestConfidenceThatKeepsTheTargetAgreement() {
        // Sorted by confidence: 0.99 ✓, 0.95 ✓, 0.90 ✓, 0.80 ✗, 0.70 ✓, 0.60 ✗ ✗
        let c = [0.95, 0.60, 0.99, 0.70, 0.80, 0.90, 0.60]
        let a = [true, false, true, true, false, true, false]
        let strict = CascadeThreshold.choose(confidence: c, agrees: a, target: 1)
        #expect(strict.threshold == 0.90 && strict.agreement == 1 && strict.coverage == 3.0 / 7)
        // 4 of 5 at 0.70 (0.8) ≥ 0.8; at 0.60 the two ties enter together: 4 of 7.
        let loose = CascadeThreshold.choose(confidence: c, agrees: a, target: 0.8)
        #expect(loose.threshold == 0.70 && loose.agreement == 0.8 && loose.coverage == 5.0 / 7)
        let measured = CascadeThreshold.measure(confidence: c, agrees: a, threshold: 0.70)
        #expect(measured.agreement == 0.8 && measured.coverage == 5.0 / 7)
    }

    @Test func neverWhenEvenTheMostConfidentFrameDisagrees() {
        let r = CascadeThreshold.choose(confidence: [0.9, 0.5], agrees: [false, true], target: 0.98)
        #expect(r.threshold == CascadeThreshold.never && r.coverage == 0)
        #expect(CascadeThreshold.measure(confidence: [0.9, 0.5], agrees: [false, true], threshold: r.threshold).coverage == 0)
    }
}
