import Foundation
import Testing
@testable import Learning
import Serving

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

    @Test func meanRuleInTheDisagreementBranch() {
        var f = fusion
        f.rule = .eq3Mean
        // M0 top 0 (0.4, common), M1 top 2 (0.6, rare): disagreement. Eq. 3 takes the more confident M1 → 2;
        // the mean [0.4, 0.15, 0.35, 0.1] → 0.
        let s0: [Float] = [0.4, 0.3, 0.1, 0.2], s1: [Float] = [0.4, 0, 0.6, 0]
        #expect(fusion.fuse(s0, s1).label == 2)
        #expect(f.fuse(s0, s1).label == 0 && f.fuse(s0, s1).branch == .mean)
        // Branches 1 and 2 are unchanged by the rule.
        #expect(f.fuse([0.6, 0.2, 0.1, 0.1], [0.05, 0.9, 0.05, 0]).label == 0)
        #expect(f.fuse([0.1, 0.1, 0.7, 0.1], [0.1, 0.1, 0.2, 0.6]).label == 3)
        // The plain mean rule ignores Tr: mean [0.325, 0.55, 0.075, 0.05] → 1 where Eq. 3 says 0.
        f.rule = .mean
        #expect(f.fuse([0.6, 0.2, 0.1, 0.1], [0.05, 0.9, 0.05, 0]).label == 1)
    }

    @Test func mixedObjectiveWeighsAccuracy() {
        // Reference: six images of common class 0 (R = 3), two of rare class 1 (R = 1/3). M0 always says 0
        // (0.6); M1 says 1 (0.9) for both class-1 images and four class-0 images, 0 (0.9) for the other two.
        // Candidates 1/6, 5/3, 6.
        // Tr = 1/6: both "common" → M0 everywhere: accuracy 6/8, F1 = [6/7, 0] → macro 0.4286, mixed 0.589.
        // Tr = 5/3 (and 6): M1's answer wins everywhere: accuracy 4/8, F1 = [0.5, 0.5] → macro 0.5, mixed 0.5.
        let ratios = [3.0, 1.0 / 3]
        let s0: [[Float]] = Array(repeating: [0.6, 0.4], count: 8)
        let s1: [[Float]] = [[0.9, 0.1], [0.9, 0.1]] + Array(repeating: [0.1, 0.9], count: 6)
        let truth = [0, 0, 0, 0, 0, 0, 1, 1]
        #expect(Fusion.candidateThresholds(ratios: ratios) == [1.0 / 6, 5.0 / 3, 6])
        let macro = Fusion.chooseThreshold(ratios: ratios, scores0: s0, scores1: s1, truth: truth, objective: .macroF1)
        let mixed = Fusion.chooseThreshold(ratios: ratios, scores0: s0, scores1: s1, truth: truth, objective: .mixed)
        #expect(macro.threshold == 5.0 / 3)
        #expect(abs(macro.referenceMacroF1 - 0.5) < 1e-9)
        #expect(mixed.threshold == 1.0 / 6)
        #expect(abs(mixed.referenceMacroF1 - 3.0 / 7) < 1e-9)
    }

    /// The `.adjusted` rule (logit adjustment, Menon et al. 2021): argmax log p1 + λ·log π, π = R/(1 + R).
    @Test func adjustedRuleShiftsM1TowardsThePrior() {
        // Ratios 1.0 / 0.25 → shares π = 0.5 / 0.2. M1 says class 1 (0.55 vs 0.45); M0 is ignored.
        let s0: [Float] = [0.9, 0.1], s1: [Float] = [0.45, 0.55]
        var f = Fusion(ratios: [1.0, 0.25], threshold: 0, rule: .adjusted, priorWeight: 0)
        #expect(f.priors == [0.5, 0.2])
        #expect(f.fuse(s0, s1) == (1, .adjusted))  // λ = 0: M1 as is
        // λ = ½: log 0.45 + ½ log 0.5 = −1.1452 vs log 0.55 + ½ log 0.2 = −1.4025 → class 0.
        f.priorWeight = 0.5
        #expect(f.fuse(s0, s1).label == 0)
        #expect(abs(f.adjustedLogScores(s0, s1)[0] - (log(0.45) + 0.5 * log(0.5))) < 1e-6)
        // The switch is at λ* = log(0.55/0.45) / log(0.5/0.2) = 0.219: λ = 0.25 gives −0.9718 vs −1.0002 → 0,
        // λ = 0.2 gives −0.9371 vs −0.9197 → 1.
        f.priorWeight = 0.25
        #expect(f.fuse(s0, s1).label == 0)
        f.priorWeight = 0.2
        #expect(f.fuse(s0, s1).label == 1)
        // Renormalised probabilities sum to 1 and keep the decision.
        let p = f.adjustedProbabilities(s0, s1)
        #expect(abs(p.reduce(0, +) - 1) < 1e-6 && p[1] > p[0])
        #expect(!f.needsM0)
        // Eq. 3's branches do not apply: even "both common" (M0 and M1 agree on a common class) follows M1.
        let g = Fusion(ratios: [1.0, 0.5, 0.05, 0.01], threshold: 0.3, rule: .adjusted, priorWeight: 0.5)
        #expect(g.fuse([0.6, 0.2, 0.1, 0.1], [0.05, 0.9, 0.05, 0]) == (1, .adjusted))
    }

    @Test func bundlesWithoutPriorWeightStillDecode() throws {
        let old = #"{"ratios":[1.0,0.1],"threshold":0.3,"rule":"eq3"}"#
        let f = try JSONDecoder().decode(Fusion.self, from: Data(old.utf8))
        #expect(f.rule == .eq3 && f.priorWeight == nil && f.threshold == 0.3)
        var a = f
        a.rule = .adjusted
        #expect(a.m0Weight == nil && !a.needsM0)
        // nil reads as λ = ½ and w = 0 (M0's scores, here absurd, are not read).
        #expect(abs(a.adjustedLogScores([0, 1], [0.5, 0.5])[1] - (log(0.5) + 0.5 * log(0.1 / 1.1))) < 1e-12)
    }

    /// w > 0 (the default bundle's w = λ = ¼): (1 − w)·log p1 + w·(log p0 − log π) + λ·log π, which at w = λ is
    /// the log-linear pool (1 − w)·log p1 + w·log p0 — the prior arrives through M0.
    @Test func adjustedRuleWithM0WeightPoolsBothModels() {
        // π = 0.5 / 0.2 (ratios 1 and 0.25). M1 leans to class 1 (0.4 / 0.6), M0 firmly to class 0 (0.9 / 0.1).
        let s0: [Float] = [0.9, 0.1], s1: [Float] = [0.4, 0.6]
        var f = Fusion(ratios: [1.0, 0.25], threshold: 0, rule: .adjusted, priorWeight: 0.25, m0Weight: 0.25)
        #expect(f.needsM0)
        // Pool: ¾ log 0.4 + ¼ log 0.9 = −0.7135 vs ¾ log 0.6 + ¼ log 0.1 = −0.9588 → class 0.
        let z = f.adjustedLogScores(s0, s1)
        #expect(abs(z[0] - (0.75 * log(0.4) + 0.25 * log(0.9))) < 1e-6)
        #expect(abs(z[1] - (0.75 * log(0.6) + 0.25 * log(0.1))) < 1e-6)
        #expect(f.fuse(s0, s1) == (0, .adjusted))
        // M1 alone with the same λ: log 0.4 + ¼ log 0.5 = −1.0896 vs log 0.6 + ¼ log 0.2 = −0.9132 → class 1;
        // M0's vote is what turned it.
        f.m0Weight = 0
        #expect(f.fuse(s0, s1).label == 1 && !f.needsM0)
        // w ≠ λ: w = ½, λ = 0 → ½ log 0.4 + ½ (log 0.9 − log 0.5) = −0.1643 vs ½ log 0.6 + ½ (log 0.1 − log 0.2)
        // = −0.6020 → class 0; the prior-free balanced view of both models.
        f.m0Weight = 0.5
        f.priorWeight = 0
        let b = f.adjustedLogScores(s0, s1)
        #expect(abs(b[0] - (0.5 * log(0.4) + 0.5 * (log(0.9) - log(0.5)))) < 1e-6)
        #expect(abs(b[1] - (0.5 * log(0.6) + 0.5 * (log(0.1) - log(0.2)))) < 1e-6)
        // Renormalised probabilities keep the decision.
        let p = f.adjustedProbabilities(s0, s1)
        #expect(abs(p.reduce(0, +) - 1) < 1e-6 && p[0] > p[1])
        // A class absent from training (π = 0) never wins, whatever the models say.
        let g = Fusion(ratios: [1.0, 0], threshold: 0, rule: .adjusted, priorWeight: 0.25, m0Weight: 0.25)
        #expect(g.fuse([0.01, 0.99], [0.01, 0.99]).label == 0)
    }

    /// λ on the reference: the best balanced-view macro F1 among the λ that keep reference accuracy within
    /// 0.005 of M0's.
    @Test func priorWeightIsChosenOnReferenceUnderTheAccuracyFloor() {
        // π = 0.8 / 0.2 (ratios 4 and 0.25), log π₀ − log π₁ = 1.386. Reference: four class-0 images, one class-1.
        // M0 says 0 everywhere: accuracy 0.8, floor 0.795. Images a, b (class 0) have M1 = [0.4, 0.6]: they flip
        // to 0 once λ > log(0.6/0.4)/1.386 = 0.293; image e (class 1) has [0.3, 0.7]: it flips to 0 once
        // λ > log(0.7/0.3)/1.386 = 0.611. λ ≤ 0.25: accuracy 0.6 (below the floor); 0.3…0.6: every image right;
        // ≥ 0.65: e wrong (accuracy 0.8, balanced macro F1 < 1). First λ with everything right: 0.3.
        let ratios = [4.0, 0.25]
        let s0: [[Float]] = Array(repeating: [0.9, 0.1], count: 5)
        let s1: [[Float]] = [[0.4, 0.6], [0.4, 0.6], [0.9, 0.1], [0.9, 0.1], [0.3, 0.7]]
        let r = Fusion.choosePriorWeight(ratios: ratios, scores0: s0, scores1: s1, truth: [0, 0, 0, 0, 1])
        #expect(r.priorWeight == 0.3)
        #expect(r.balancedMacroF1 == 1 && r.accuracy == 1)
        // A floor no λ reaches (slack −0.21 → 1.01) → the most accurate λ, the first with accuracy 1: 0.3.
        let none = Fusion.choosePriorWeight(ratios: ratios, scores0: s0, scores1: s1, truth: [0, 0, 0, 0, 1],
                                            accuracySlack: -0.21)
        #expect(none.priorWeight == 0.3 && none.accuracy == 1)
    }

    /// A companion member E (issue 16, `CompanionSpec`): M1's evidence becomes (1 − w_E)·log p1 + w_E·log pE,
    /// the rest of the rule unchanged; without E's scores (or at w_E = 0) the rule is exactly the pair's.
    @Test func companionPoolsIntoM1sEvidence() {
        // π = 0.5 / 0.2 (ratios 1 and 0.25). M0 and M1 lean to class 0 a little, E firmly to class 1.
        let s0: [Float] = [0.6, 0.4], s1: [Float] = [0.55, 0.45], sE: [Float] = [0.1, 0.9]
        let f = Fusion(ratios: [1.0, 0.25], threshold: 0, rule: .adjusted, priorWeight: 0.1, m0Weight: 0.25, companionWeight: 0.4)
        #expect(f.needsCompanion && f.needsM0)
        // By hand: z_c = 0.75·(0.6·log p1 + 0.4·log pE) + 0.25·(log p0 − log π) + 0.1·log π
        // class 0: 0.75·(0.6·(−0.5978) + 0.4·(−2.3026)) + 0.25·(−0.5108 + 0.6931) + 0.1·(−0.6931) = −0.9835
        // class 1: 0.75·(0.6·(−0.7985) + 0.4·(−0.1054)) + 0.25·(−0.9163 + 1.6094) + 0.1·(−1.6094) = −0.3786
        let z = f.adjustedLogScores(s0, s1, sE)
        #expect(abs(z[0] - (-0.98354)) < 1e-4 && abs(z[1] - (-0.37859)) < 1e-4, "\(z)")
        #expect(f.fuse(s0, s1, sE) == (1, .adjusted))
        let p = f.adjustedProbabilities(s0, s1, sE)
        #expect(abs(Double(p[1]) - 0.64679) < 1e-4, "\(p)")  // 1 / (1 + e^(−0.9835 + 0.3786))
        // Without E's scores: the pair's rule, class 0 (0.75·(−0.5978) + 0.0456 − 0.0693 = −0.4721 vs −0.5865).
        let pair = f.adjustedLogScores(s0, s1)
        #expect(abs(pair[0] - (-0.47211)) < 1e-4 && abs(pair[1] - (-0.58654)) < 1e-4, "\(pair)")
        #expect(f.fuse(s0, s1) == (0, .adjusted))
        var off = f
        off.companionWeight = 0
        #expect(!off.needsCompanion && off.adjustedLogScores(s0, s1, sE) == pair)
        // Eq. 3 and the mean rule never read E.
        let eq3 = Fusion(ratios: [1.0, 0.25], threshold: 0.5, rule: .eq3, companionWeight: 0.4)
        #expect(!eq3.needsCompanion && eq3.fuse(s0, s1, sE) == eq3.fuse(s0, s1))
        // Batches: the same per row.
        #expect(f.fuse(scores0: [s0, s0], scores1: [s1, s1], scoresE: [sE, [0.9, 0.1]]) == [1, 0])
    }
}
