import CamsiftCore
import Testing
@testable import Learning

/// Table I's batching (Yan, Chen, Shyu, Chen): counts, draws with replacement, one fixed negative partition.
@Suite struct BootstrappedBatchesTests {
    let positives = Array(0..<30)
    let negatives = Array(1000..<2047)

    func make(batchSize: Int = 60, ratio: Double = 1, seed: UInt64 = 3) throws -> BootstrappedBatches {
        var rng = SeededGenerator(seed: seed)
        return try BootstrappedBatches(positives: positives, negatives: negatives, batchSize: batchSize,
                                       ratio: ratio, rng: &rng)
    }

    @Test func countsFollowTableI() throws {
        let b = try make(batchSize: BootstrappedBatches.paperBatchSize(positives: positives.count))
        #expect(b.batchSize == 60 && b.positivesPerBatch == 30 && b.negativesPerBatch == 30)
        #expect(b.batchCount == 1047 / 30)              // N = ⌊n / s_n⌋ = 34
        #expect(b.unusedNegatives.count == 1047 % 30)   // 27 never used
        var rng = SeededGenerator(seed: 8)
        let iteration = b.iteration(rng: &rng)
        #expect(iteration.count == 34)
        for batch in iteration {
            #expect(batch.count == 60)
            #expect(batch.filter { $0 < 1000 }.count == 30)
        }
    }

    @Test func ratioSetsTheSplit() throws {
        let b = try make(batchSize: 60, ratio: 3)       // s_p = 15, s_n = 45
        #expect(b.positivesPerBatch == 15 && b.negativesPerBatch == 45 && b.batchCount == 1047 / 45)
    }

    @Test func negativePartitionIsFixedDisjointAndCoversAll() throws {
        let b = try make()
        var rng = SeededGenerator(seed: 1)
        let first = b.iteration(rng: &rng), second = b.iteration(rng: &rng)
        for j in 0..<b.batchCount {
            #expect(Array(first[j].prefix(30)) == b.negativeBatches[j])
            #expect(Array(second[j].prefix(30)) == b.negativeBatches[j])
        }
        let used = b.negativeBatches.flatMap { $0 } + b.unusedNegatives
        #expect(used.count == negatives.count && Set(used) == Set(negatives))
        // A random partition, not the input order.
        #expect(b.negativeBatches[0] != Array(1000..<1030))
    }

    @Test func positivesAreDrawnUniformlyWithReplacement() throws {
        let b = try make()
        var rng = SeededGenerator(seed: 99)
        var counts = [Int](repeating: 0, count: positives.count)
        var batchesWithRepeats = 0
        for _ in 0..<20 {
            for batch in b.iteration(rng: &rng) {
                let drawn = batch.suffix(30)
                #expect(drawn.allSatisfy { $0 < 30 })
                if Set(drawn).count < drawn.count { batchesWithRepeats += 1 }
                for p in drawn { counts[p] += 1 }
            }
        }
        // 30 draws from 30 without replacement would never repeat; with replacement P(no repeat) = 30!/30^30.
        #expect(batchesWithRepeats == 20 * b.batchCount)
        // 20 400 draws over 30 positives: each expects 680; a chi-square with 29 dof stays far below 80.
        let expected = Double(20 * b.batchCount * 30) / 30
        let chi2 = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chi2 < 80, "χ² = \(chi2), counts \(counts)")
    }

    @Test func rejectsImpossibleSettings() {
        var rng = SeededGenerator(seed: 1)
        #expect(throws: LearningError.self) {
            try BootstrappedBatches(positives: [], negatives: [1, 2], batchSize: 2, rng: &rng)
        }
        #expect(throws: LearningError.self) {
            try BootstrappedBatches(positives: [1], negatives: [2, 3], batchSize: 10, rng: &rng)
        }
    }
}
