import Testing
@testable import Learning
import Serving

/// Algorithm 1 / Eq. 2 arithmetic against hand-computed values.
@Suite struct DynamicSamplingTests {
    @Test func initialCountsAreNStarEach() {
        let d = DynamicSampling(total: 1000, classCount: 4)
        #expect(d.nStar == 250)
        #expect(d.initialCounts == [250, 250, 250, 250])
        // 1001 / 4 = 250.25: the remainder goes to the lowest class index, total kept.
        #expect(DynamicSampling(total: 1001, classCount: 4).initialCounts == [251, 250, 250, 250])
    }

    @Test func eq2KeepsTheTotalAndSplitsByOneMinusF1() {
        // f1 = [0.9, 0.8, 0.5, 0.4] → 1−f1 = [0.1, 0.2, 0.5, 0.6], Σ = 1.4.
        // N = (1−f1)/1.4 × 1000 = [71.43, 142.86, 357.14, 428.57]; floor 5% of 250 = 12.5 does not bind.
        let d = DynamicSampling(total: 1000, classCount: 4)
        let s = d.nextShares(f1: [0.9, 0.8, 0.5, 0.4])
        #expect(abs(s[0] - 1000.0 / 14) < 1e-9)
        #expect(abs(s[3] - 6000.0 / 14) < 1e-9)
        let n = d.nextCounts(f1: [0.9, 0.8, 0.5, 0.4])
        #expect(n.reduce(0, +) == 1000)
        // Largest remainder: floors 71,142,357,428 = 998; fractions .43,.86,.14,.57 → +1 to classes 1 and 3.
        #expect(n == [71, 143, 357, 429])
    }

    @Test func floorKeepsAPerfectClassDrawn() {
        // f1 = [1, 0.5, 0.5, 0.5]: Eq. 2 gives class 0 nothing; the floor gives it 5% of N* = 12.5 and the
        // other three share 987.5 equally = 329.1667.
        let d = DynamicSampling(total: 1000, classCount: 4)
        let s = d.nextShares(f1: [1, 0.5, 0.5, 0.5])
        #expect(abs(s[0] - 12.5) < 1e-9)
        #expect(abs(s[1] - 987.5 / 3) < 1e-9)
        let n = d.nextCounts(f1: [1, 0.5, 0.5, 0.5])
        #expect(n.reduce(0, +) == 1000)
        #expect(n[0] >= 12)
        // With the floor off, Eq. 2 as published drops the class entirely.
        #expect(DynamicSampling(total: 1000, classCount: 4, floorFraction: 0).nextCounts(f1: [1, 0.5, 0.5, 0.5])[0] == 0)
    }

    @Test func floorCascades() {
        // 1−f1 = [0.01, 0.02, 0.97]: raw [10, 20, 970] of 1000; N* = 333.3, floor 10% = 33.33 pins classes
        // 0 and 1; class 2 gets 1000 − 66.67 = 933.33.
        let d = DynamicSampling(total: 1000, classCount: 3, floorFraction: 0.1)
        let s = d.nextShares(f1: [0.99, 0.98, 0.03])
        #expect(abs(s[0] - 100.0 / 3) < 1e-9 && abs(s[1] - 100.0 / 3) < 1e-9)
        #expect(abs(s[2] - (1000 - 200.0 / 3)) < 1e-9)
    }

    @Test func allPerfectFallsBackToUniform() {
        let d = DynamicSampling(total: 900, classCount: 3)
        #expect(d.nextCounts(f1: [1, 1, 1]) == [300, 300, 300])
    }

    @Test func temperingMixesWithUniform() {
        // mix 0.5: 0.5 × Eq.2 + 0.5 × N*. Eq.2 for 1−f1 = [0, 1] (floor off) is [0, 1000]; N* = 500 → [250, 750].
        let d = DynamicSampling(total: 1000, classCount: 2, floorFraction: 0, mix: 0.5)
        #expect(d.nextCounts(f1: [1, 0]) == [250, 750])
    }

    @Test func roundingPreservesTotal() {
        #expect(DynamicSampling.roundPreservingTotal([0.5, 0.5, 0.5, 0.5], total: 2) == [1, 1, 0, 0])
        #expect(DynamicSampling.roundPreservingTotal([3.2, 3.3, 3.5], total: 10) == [3, 3, 4])
    }
}
