import Testing
@testable import Learning

/// Eq. 3's three branches.
@Suite struct FusionTests {
    // Ratios: class 0 common (1.0), class 1 common (0.5), class 2 rare (0.05), class 3 rare (0.01). Tr = 0.3.
    let fusion = Fusion(ratios: [1.0, 0.5, 0.05, 0.01], threshold: 0.3)

    @Test func bothCommonTakesM0() {
        let r = fusion.fuse([0.6, 0.2, 0.1, 0.1], [0.05, 0.9, 0.05, 0])
        #expect(r.label == 0 && r.branch == .bothCommon)  // M1 is more confident, M0 still wins
    }

    @Test func bothRareTakesM1() {
        let r = fusion.fuse([0.1, 0.1, 0.7, 0.1], [0.1, 0.1, 0.2, 0.6])
        #expect(r.label == 3 && r.branch == .bothRare)  // M0 is more confident, M1 still wins
    }

    @Test func disagreementTakesTheMoreConfidentModel() {
        let a = fusion.fuse([0.7, 0.1, 0.1, 0.1], [0.3, 0.1, 0.6, 0])
        #expect(a.label == 0 && a.branch == .higherScore)
        let b = fusion.fuse([0.5, 0.1, 0.3, 0.1], [0.1, 0.1, 0.8, 0])
        #expect(b.label == 2 && b.branch == .higherScore)
    }

    @Test func thresholdCandidatesSplitEveryPartition() {
        #expect(Fusion.candidateThresholds(ratios: [0.5, 0.1, 0.5, 1.0]) == [0.05, 0.3, 0.75, 2.0])
    }

    @Test func thresholdIsChosenOnReference() {
        // Reference: M0 is right on common class 0, M1 is right on rare class 1.
        // Only a Tr between the ratios (0.3) routes each to the right model.
        let ratios = [2.0, 0.1]
        let s0: [[Float]] = [[0.9, 0.1], [0.8, 0.2]]  // always says 0
        let s1: [[Float]] = [[0.1, 0.9], [0.05, 0.95]]  // always says 1, more confident
        let truth = [0, 1]
        let r = Fusion.chooseThreshold(ratios: ratios, scores0: s0, scores1: s1, truth: truth)
        // Candidates 0.05, 1.05, 4.0. Tr = 0.05 or 4.0 puts both classes on one side → one model always
        // wins → macro F1 1/3. Tr = 1.05: the models disagree on both images → higher own score: image 0
        // ties 0.9/0.9 (M0 wins ties) → 0; image 1: 0.95 > 0.8 → 1. Macro F1 = 1.
        #expect(r.referenceMacroF1 == 1)
        #expect(r.threshold == 1.05)
    }
}
