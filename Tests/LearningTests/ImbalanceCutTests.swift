import Testing
@testable import Learning

@Suite struct ImbalanceCutTests {
    @Test func countsAreRandomWithTheRatioPinned() throws {
        var seenCounts = Set<[Int]>()
        for seed in UInt64(1)...20 {
            let cut = try ImbalanceCut(available: [Int](repeating: 30, count: 9), ratio: 8, seed: seed)
            #expect(cut.counts.count == 9)
            #expect(cut.counts.max() == 30 && cut.counts.min() == 3)
            #expect(cut.ratio >= 8)
            #expect(cut.counts.allSatisfy { (3...30).contains($0) })
            seenCounts.insert(cut.counts)
        }
        #expect(seenCounts.count > 15)
        #expect(try ImbalanceCut(available: [30, 30, 30], seed: 4) == ImbalanceCut(available: [30, 30, 30], seed: 4))
        #expect(throws: LearningError.self) { try ImbalanceCut(available: [7, 30], ratio: 8, seed: 1) }
    }

    @Test func keepsASeededSubsetPerClass() throws {
        let labels = (0..<60).map { $0 % 3 }
        let cut = ImbalanceCut(counts: [20, 5, 2])
        let kept = try cut.keptIndices(labels: labels, seed: 1)
        #expect(kept == kept.sorted() && Set(kept).count == kept.count)
        var h = [0, 0, 0]
        for i in kept { h[labels[i]] += 1 }
        #expect(h == [20, 5, 2])
        #expect(kept == (try cut.keptIndices(labels: labels, seed: 1)))
        #expect(kept != (try cut.keptIndices(labels: labels, seed: 2)))
        #expect(throws: LearningError.self) { try ImbalanceCut(counts: [21, 1, 1]).keptIndices(labels: labels, seed: 1) }
    }
}
