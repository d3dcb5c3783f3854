import CamsiftCore
import Testing
@testable import Learning
import Serving

@Suite struct SamplerTests {
    // 3 classes: 100, 30, 5 images (positions 0..<100, 100..<130, 130..<135).
    let labels = [Int](repeating: 0, count: 100) + [Int](repeating: 1, count: 30) + [Int](repeating: 2, count: 5)

    func histogram(_ idx: [Int]) -> [Int] {
        var h = [0, 0, 0]
        for i in idx { h[labels[i]] += 1 }
        return h
    }

    @Test func plainIsAPermutation() {
        let s = IterationSampler(kind: .plain, labels: labels, classCount: 3, iterations: 5)
        var rng = SeededGenerator(seed: 1)
        let x = s.draw(iteration: 0, rng: &rng)
        #expect(x.sorted() == Array(0..<135))
        #expect(x != Array(0..<135))
    }

    @Test func balancedDrawsNStarPerClassWithReplacementOnlyWhenShort() {
        // N* = 135/3 = 45: class 0 draws 45 of 100 without replacement; classes 1 (30) and 2 (5) with replacement.
        let s = IterationSampler(kind: .balanced, labels: labels, classCount: 3, iterations: 5)
        var rng = SeededGenerator(seed: 2)
        let x = s.draw(iteration: 0, rng: &rng)
        #expect(x.count == 135)
        #expect(histogram(x) == [45, 45, 45])
        let class0 = x.filter { labels[$0] == 0 }
        #expect(Set(class0).count == 45)  // no repeats when the class has enough
        let class2 = x.filter { labels[$0] == 2 }
        #expect(Set(class2).isSubset(of: Set(130..<135)))
        #expect(Set(class2).count <= 5)  // 45 draws from 5 images: repeats
    }

    @Test func withReplacementDrawsAreUniformOverTheClass() {
        var rng = SeededGenerator(seed: 3)
        let x = IterationSampler.draw(counts: [0, 0, 5000], from: [[], [], Array(0..<5)], rng: &rng)
        var h = [Int](repeating: 0, count: 5)
        for i in x { h[i] += 1 }
        #expect(x.count == 5000)
        // Each of 5 images expects 1000 draws; binomial sd ≈ 28, so ±150 is > 5 sd.
        #expect(h.allSatisfy { abs($0 - 1000) < 150 })
        // Exactly the class size → every image once.
        let y = IterationSampler.draw(counts: [4], from: [[7, 8, 9, 10]], rng: &rng)
        #expect(y.sorted() == [7, 8, 9, 10])
    }

    @Test func dynamicFollowsObservedF1() {
        var s = IterationSampler(kind: .dynamic, labels: labels, classCount: 3, iterations: 5)
        #expect(s.counts == [45, 45, 45])
        s.observe(referenceF1: [0.9, 0.6, 0.0])
        // 1−f1 = [0.1, 0.4, 1.0], Σ 1.5 → [9, 36, 90]; floor 2.25 does not bind.
        #expect(s.counts == [9, 36, 90])
        var rng = SeededGenerator(seed: 4)
        #expect(histogram(s.draw(iteration: 1, rng: &rng)) == [9, 36, 90])
    }

    @Test func deferredSwitchesToBalanced() {
        let s = IterationSampler(kind: .deferred, labels: labels, classCount: 3, iterations: 6, deferFraction: 0.5)
        var rng = SeededGenerator(seed: 5)
        #expect(histogram(s.draw(iteration: 2, rng: &rng)) == [100, 30, 5])
        #expect(histogram(s.draw(iteration: 3, rng: &rng)) == [45, 45, 45])
    }

    @Test func bootstrapBatchesHaveTheFixedRatio() {
        // Positives = classes below N* = 45: classes 1 and 2. Ratio 3 → 16 positives per 64-batch.
        let s = IterationSampler(kind: .bootstrap, labels: labels, classCount: 3, iterations: 1, batchSize: 64,
                                 bootstrapRatio: 3)
        var rng = SeededGenerator(seed: 6)
        let x = s.draw(iteration: 0, rng: &rng)
        #expect(x.count == 135)
        let first = Array(x[0..<64])
        #expect(first.filter { labels[$0] != 0 }.count == 16)
        #expect(first.filter { labels[$0] == 0 }.count == 48)
    }

    @Test func drawsAreDeterministicPerSeed() {
        let s = IterationSampler(kind: .balanced, labels: labels, classCount: 3, iterations: 2)
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9), c = SeededGenerator(seed: 10)
        let x = s.draw(iteration: 0, rng: &a)
        #expect(x == s.draw(iteration: 0, rng: &b))
        #expect(x != s.draw(iteration: 0, rng: &c))
    }

    @Test func inverseFrequencyWeights() {
        // N = 135, |C| = 3: w = 135 / (3 n_c) = [0.45, 1.5, 9].
        let w = ClassStatistics(labels: labels, classCount: 3).inverseFrequencyWeights
        #expect(abs(w[0] - 0.45) < 1e-6 && abs(w[1] - 1.5) < 1e-6 && abs(w[2] - 9) < 1e-6)
        // Mean weight over training samples is 1.
        let mean = labels.reduce(Float(0)) { $0 + w[$1] } / Float(labels.count)
        #expect(abs(mean - 1) < 1e-5)
    }

    @Test func positiveNegativeRatios() {
        let r = ClassStatistics(counts: [100, 30, 5]).positiveNegativeRatios
        #expect(abs(r[0] - 100.0 / 35) < 1e-12)
        #expect(abs(r[1] - 30.0 / 105) < 1e-12)
        #expect(abs(r[2] - 5.0 / 130) < 1e-12)
    }
}
