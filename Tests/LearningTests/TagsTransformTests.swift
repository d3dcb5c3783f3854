import Testing
@testable import Learning

/// Label powerset (transform, merge of rare combinations, inverse), δ weights and the RFE stopping rule, worked by hand.
@Suite struct TagsTransformTests {
    // 0 = snow, 1 = night, 2 = congested.
    let sets: [Set<Int>] = [[0, 1], [0, 1], [0, 1], [1], [1], [0, 1, 2], [2]]

    @Test func powersetClassesAndInverse() throws {
        let lp = try LabelPowerset(training: sets, labelCount: 3)
        // Most frequent first: {0,1} × 3, {1} × 2, then the singletons in lexicographic order: [0,1,2] < [2].
        #expect(lp.combinations == [[0, 1], [1], [0, 1, 2], [2]])
        #expect(lp.counts == [3, 2, 1, 1])
        #expect(lp.mergedCount == 0)
        for s in sets { #expect(lp.labels(of: lp.classIndex(of: s)) == s) }
        #expect(sets.map { lp.classIndex(of: $0) } == [0, 0, 0, 1, 1, 2, 3])
    }

    @Test func rareCombinationsMergeIntoNearestFrequent() throws {
        let lp = try LabelPowerset(training: sets, labelCount: 3, minimumCount: 2)
        #expect(lp.combinations == [[0, 1], [1]])
        // {0,1,2}: distance 1 to {0,1}, 2 to {1} → {0,1}. {2}: distance 3 to {0,1}, 2 to {1} → {1}.
        #expect(lp.classIndex(of: [0, 1, 2]) == 0)
        #expect(lp.classIndex(of: [2]) == 1)
        #expect(lp.counts == [4, 3])
        #expect(lp.mergedCount == 2)
        // A set never seen: {0} is 1 from both → the more frequent {0,1}.
        #expect(lp.classIndex(of: [0]) == 0)
        #expect(lp.labels(of: 1) == [1])
    }

    @Test func powersetRejectsBadInput() {
        #expect(throws: LearningError.self) { try LabelPowerset(training: [[5]], labelCount: 3) }
        #expect(throws: LearningError.self) { try LabelPowerset(training: sets, labelCount: 3, minimumCount: 0) }
    }

    @Test func deltaAndCombinationWeights() throws {
        let w = ConceptWeights(training: sets, labelCount: 3)
        // snow in 4 rows, night in 6, congested in 2.
        let expected: [Double] = [1.0 / 4, 1.0 / 6, 1.0 / 2]
        #expect(w.delta == expected)
        #expect(w.emptyDelta == 0)
        #expect(abs(w.raw([0, 1], .mean) - (1.0 / 4 + 1.0 / 6) / 2) < 1e-15)
        #expect(w.raw([0, 1, 2], .max) == 0.5)
        let lp = try LabelPowerset(training: sets, labelCount: 3)
        let cw = w.classWeights(lp, .mean)
        // Raw: {0,1} 5/24, {1} 1/6, {0,1,2} 11/36, {2} 1/2; row-weighted mean (3·5/24 + 2/6 + 11/36 + 1/2)/7.
        let raw = [5.0 / 24, 1.0 / 6, 11.0 / 36, 0.5]
        let mean = (3 * raw[0] + 2 * raw[1] + raw[2] + raw[3]) / 7
        for k in 0..<4 { #expect(abs(cw[k]! - raw[k] / mean) < 1e-12) }
        // Rescaled: mean over training rows is 1.
        let rows = lp.counts.indices.map { Double(lp.counts[$0]) * cw[$0]! }.reduce(0, +)
        #expect(abs(rows / 7 - 1) < 1e-12)
        // Rarer concepts weigh more.
        #expect(cw[3]! > cw[0]! && cw[0]! > cw[1]!)
        // α = 0: no weighting; α = 1/2: ratios are the square roots of the paper's.
        #expect(w.classWeights(lp, .mean, exponent: 0).values.allSatisfy { abs($0 - 1) < 1e-12 })
        let half = w.classWeights(lp, .mean, exponent: 0.5)
        #expect(abs(half[3]! / half[0]! - (raw[3] / raw[0]).squareRoot()) < 1e-12)
        // The empty set is a concept of its own.
        #expect(ConceptWeights(training: [[], [], [0]], labelCount: 1).emptyDelta == 0.5)
    }

    @Test func eliminationReturnsBestNotLast() throws {
        // Scores by feature count: 5 → 0.5, 4 → 0.6, 3 → 0.7, 2 → 0.65 (worse: stop), 1 → 0.9 (never reached).
        let byCount = [5: 0.5, 4: 0.6, 3: 0.7, 2: 0.65, 1: 0.9]
        var calls: [[Int]] = []
        let r = try FeatureElimination().run(ranking: [4, 2, 0, 3, 1]) { f in
            calls.append(f)
            return byCount[f.count]!
        }
        #expect(calls == [[4, 2, 0, 3, 1], [4, 2, 0, 3], [4, 2, 0], [4, 2]])
        // The printed algorithm would return [4, 2] with 0.65; the fixed rule returns the best.
        #expect(r.features == [4, 2, 0])
        #expect(r.score == 0.7)
        #expect(r.rounds.map(\.featureCount) == [5, 4, 3, 2])
        // Patience 2 walks past one dip, and steps of 2 drop two features a round.
        let p = try FeatureElimination(patience: 2).run(ranking: [4, 2, 0, 3, 1]) { byCount[$0.count]! }
        #expect(p.features == [4] && p.score == 0.9)
        let s = try FeatureElimination(step: 2).run(ranking: [4, 2, 0, 3, 1]) { byCount[$0.count]! }
        #expect(s.rounds.map(\.featureCount) == [5, 3, 1] && s.features == [4])
        // Equal is not better: the first of equal scores is kept.
        let flat = try FeatureElimination().run(ranking: [0, 1, 2]) { _ in 0.5 }
        #expect(flat.features == [0, 1, 2] && flat.rounds.count == 2)
    }
}
