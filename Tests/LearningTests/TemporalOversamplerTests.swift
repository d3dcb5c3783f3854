import CamsiftCore
import Testing
@testable import Learning

/// Algorithm 1 of Pouyanfar, Chen & Shyu (spatio-temporal synthetic oversampling), piece by piece.
@Suite struct TemporalOversamplerTests {
    @Test func frequenciesAreCeilOfLargestOverClassSize() {
        // δ = 30: ⌈30/30⌉ = 1, ⌈30/3⌉ = 10, ⌈30/7⌉ = 5, ⌈30/29⌉ = 2, ⌈30/16⌉ = 2; an empty class gets 0.
        #expect(TemporalOversampler.frequencies(classCounts: [30, 3, 7, 29, 16, 0]) == [1, 10, 5, 2, 2, 0])
        #expect(TemporalOversampler.frequencies(classCounts: [5, 5]) == [1, 1])
    }

    @Test func randDownPicksOneFrameFromEachSkipWindowInTimeOrder() {
        var rng = SeededGenerator(seed: 7)
        for length in [21, 29, 40, 41, 57, 80, 123] {
            let alpha = 20
            let windows = TemporalOversampler.skipWindows(length: length, alpha: alpha)
            // The windows tile 0..<L without gaps, each non-empty.
            #expect(windows.first?.lowerBound == 0 && windows.last?.upperBound == length)
            for k in 1..<alpha { #expect(windows[k].lowerBound == windows[k - 1].upperBound) }
            #expect(windows.allSatisfy { !$0.isEmpty })
            var seen = Set<[Int]>()
            for _ in 0..<50 {
                let idx = TemporalOversampler.randDown(length: length, alpha: alpha, rng: &rng)
                #expect(idx.count == alpha)
                for k in 0..<alpha { #expect(windows[k].contains(idx[k])) }
                #expect(zip(idx, idx.dropFirst()).allSatisfy { $0 < $1 })
                seen.insert(idx)
            }
            #expect(seen.count > 1, "RandDown must be random (length \(length))")
        }
        // α divides L: skip = L/α exactly (40 frames, α 20: windows of 2).
        #expect(TemporalOversampler.skipWindows(length: 40, alpha: 20).allSatisfy { $0.count == 2 })
    }

    @Test func randDownReachesEveryFrameOfAWindow() {
        var rng = SeededGenerator(seed: 11)
        var hits = Set<Int>()
        for _ in 0..<400 { hits.formUnion(TemporalOversampler.randDown(length: 60, alpha: 20, rng: &rng)) }
        #expect(hits == Set(0..<60))
    }

    @Test func upSampleHasLengthAlphaAndRepeatsEvenly() {
        for (length, alpha) in [(7, 20), (10, 20), (13, 20), (20, 20), (1, 5), (29, 40)] {
            let idx = TemporalOversampler.upSample(length: length, alpha: alpha)
            #expect(idx.count == alpha)
            #expect(idx.first == 0 && idx.last == length - 1)
            #expect(zip(idx, idx.dropFirst()).allSatisfy { $0 <= $1 })  // time order
            var reps = [Int](repeating: 0, count: length)
            for i in idx { reps[i] += 1 }
            // Even: every frame ⌊α/L⌋ or ⌈α/L⌉ times.
            #expect(reps.allSatisfy { $0 == alpha / length || $0 == (alpha + length - 1) / length }, "\(length)→\(alpha): \(reps)")
        }
        #expect(TemporalOversampler.upSample(length: 20, alpha: 20) == Array(0..<20))
        #expect(TemporalOversampler.upSample(length: 10, alpha: 20) == (0..<10).flatMap { [$0, $0] })
    }

    @Test func frameChoiceFollowsLengthAgainstAlpha() throws {
        let o = try TemporalOversampler(alpha: 20)
        var rng = SeededGenerator(seed: 1)
        #expect(o.frameIndices(length: 20, rng: &rng) == Array(0..<20))  // not more than α: UpSample (identity)
        #expect(o.frameIndices(length: 8, rng: &rng) == TemporalOversampler.upSample(length: 8, alpha: 20))
        let down = o.frameIndices(length: 25, rng: &rng)
        #expect(down.count == 20 && Set(down).count == 20)
    }

    /// A set of 3 classes with 6, 2 and 1 videos, lengths around α.
    func toySet() throws -> SequenceSet {
        let lengths = [25, 12, 20, 7, 33, 18, 29, 9, 26]
        let labels = [0, 0, 0, 0, 0, 0, 1, 1, 2]
        let seqs = lengths.enumerated().map { v, l in (0..<(l * 2)).map { Float(v * 1000 + $0 / 2) } }
        return try SequenceSet(featureCount: 2, sequences: seqs, labels: labels, classNames: ["a", "b", "c"])
    }

    @Test func copiesPerClassFollowFreq() throws {
        let set = try toySet()
        let o = try TemporalOversampler(alpha: 20)
        let (out, sources) = try o.oversample(set, augmentation: nil, seed: 3)
        // δ = 6: freq = [1, 3, 6] → 6, 2·3 = 6, 1·6 = 6 copies.
        #expect(out.classCounts == [6, 6, 6])
        var perSource = [Int](repeating: 0, count: set.count)
        for s in sources { perSource[s] += 1 }
        #expect(perSource == [1, 1, 1, 1, 1, 1, 3, 3, 6])
        #expect((0..<out.count).allSatisfy { out.length($0) == 20 })
        #expect(zip(sources, out.labels).allSatisfy { set.labels[$0] == $1 })
        // Without augmentation a copy is its source's frames (value v·1000 + t at both features).
        for (k, s) in sources.enumerated() {
            let frames = stride(from: 0, to: 40, by: 2).map { Int(out.sequences[k][$0]) - s * 1000 }
            #expect(frames.allSatisfy { $0 >= 0 && $0 < set.length(s) })
        }
        let once = try o.oversample(set, augmentation: nil, copiesPerVideo: 1, seed: 3)
        #expect(once.set.classCounts == [6, 2, 1] && once.sources == Array(0..<9))
    }

    @Test func copiesOfALongVideoStartFromTheOriginalFrames() throws {
        // The line-7 deviation: class 2's single video (length 9 < α) and class 1's video of 29 frames get
        // several copies; the long one's copies differ (each RandDown from all 29 frames), never all equal.
        let o = try TemporalOversampler(alpha: 20)
        var rng = SeededGenerator(seed: 5)
        let plan = o.plan(lengths: [29, 29, 9], labels: [0, 0, 1], classCount: 2, rng: &rng)
        let copiesOfLong = plan.filter { $0.source == 0 }
        #expect(copiesOfLong.count == 1)
        let p2 = o.plan(lengths: [29, 9, 9, 9, 9], labels: [1, 0, 0, 0, 0], classCount: 2, rng: &rng)
        let long = p2.filter { $0.source == 0 }.map(\.frames)
        #expect(long.count == 4)
        #expect(Set(long).count > 1)
        #expect(long.allSatisfy { $0.max()! > 19 })  // frames beyond the first α: drawn from the original list
    }

    @Test func augmentationChangesEveryCopyAndIsSeeded() throws {
        let set = try toySet()
        let o = try TemporalOversampler(alpha: 20)
        let aug = JitterScaling(jitterSigma: 0.5, scalingSigma: 0.1)
        let a = try o.oversample(set, augmentation: aug, seed: 9)
        let b = try o.oversample(set, augmentation: aug, seed: 9)
        let c = try o.oversample(set, augmentation: aug, seed: 10)
        #expect(a.set == b.set && a.sources == b.sources)
        #expect(a.set != c.set)
        let plain = try o.oversample(set, augmentation: nil, seed: 9)
        #expect(plain.sources == a.sources)  // augmentation draws do not shift the frame choice
        for k in 0..<a.set.count { #expect(a.set.sequences[k] != plain.set.sequences[k]) }
        // The six copies of the single class-2 video differ from each other.
        let copies = a.sources.indices.filter { a.sources[$0] == 8 }.map { a.set.sequences[$0] }
        #expect(Set(copies.map { $0.map(\.bitPattern) }).count == 6)
    }

    @Test func resampleEvenlyIsDeterministic() throws {
        let set = try toySet()
        let o = try TemporalOversampler(alpha: 20)
        let r = try o.resampleEvenly(set)
        #expect(r == (try o.resampleEvenly(set)))
        #expect((0..<r.count).allSatisfy { r.length($0) == 20 } && r.labels == set.labels)
        #expect(TemporalOversampler.evenIndices(length: 40, alpha: 20) == stride(from: 0, to: 40, by: 2).map { $0 })
    }

    @Test func alphaMustBePositive() {
        #expect(throws: LearningError.self) { try TemporalOversampler(alpha: 0) }
    }
}
