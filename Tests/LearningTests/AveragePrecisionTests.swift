import Testing
@testable import Learning

/// Average precision on hand-ranked cases.
@Suite struct AveragePrecisionTests {
    @Test func handRankedCases() {
        // Ranking: pos (P@1 = 1), neg, pos (P@3 = 2/3) → AP = (1 + 2/3) / 2.
        #expect(abs(AveragePrecision.of(scores: [0.9, 0.8, 0.7], positive: [true, false, true]) - 5.0 / 6) < 1e-12)
        // Perfect ranking → 1; reversed with 1 positive among 4 at the bottom → 1/4.
        #expect(AveragePrecision.of(scores: [3, 2, 1, 0], positive: [true, true, false, false]) == 1)
        #expect(AveragePrecision.of(scores: [3, 2, 1, 0], positive: [false, false, false, true]) == 0.25)
        #expect(AveragePrecision.of(scores: [1, 2], positive: [false, false]) == 0)
    }

    @Test func tiesRankNegativesFirst() {
        // All tied: 1 positive among 5 → ranked last → 1/5 (the prevalence), never more.
        #expect(AveragePrecision.of(scores: [1, 1, 1, 1, 1], positive: [true, false, false, false, false]) == 0.2)
    }
}
