import CamsiftCore

/// The paper's way of making a balanced training set imbalanced (Pouyanfar, Chen & Shyu, "Deep Spatio-Temporal
/// Representation Learning for Multi-Class Imbalanced Data Classification": each class cut to a random count),
/// with issue 18's bound that the largest class keeps at least `ratio` times the smallest's videos.
///
/// Counts: hi = the smallest class's available count, lo = ⌊hi / ratio⌋ (so hi / lo ≥ ratio); every class draws a
/// count uniformly in lo…hi, then the class that drew least is set to lo and the one that drew most to hi — the
/// extremes are pinned so the ratio holds for every seed instead of by luck, the classes in between stay random.
/// Which videos a class keeps is a seeded uniform choice. The test set is never cut.
public struct ImbalanceCut: Sendable, Equatable {
    /// Videos kept per class.
    public let counts: [Int]

    public init(counts: [Int]) { self.counts = counts }

    /// Draws the per-class counts for classes with `available` videos each.
    public init(available: [Int], ratio: Double = 8, seed: UInt64) throws {
        guard available.count >= 2 else { throw LearningError(.badArgument, "ImbalanceCut: needs at least 2 classes") }
        let hi = available.min()!
        let lo = Int((Double(hi) / ratio).rounded(.down))
        guard ratio >= 1, lo >= 1 else {
            throw LearningError(.badArgument,
                "ImbalanceCut: classes of \(hi) videos cannot be cut to a largest/smallest ratio of \(ratio) "
                + "(the smallest class would keep \(lo)); lower the ratio or add videos")
        }
        var rng = SeededGenerator(seed: seed, stream: "imbalance-counts")
        var c = available.map { _ in lo + rng.below(hi - lo + 1) }
        let smallest = c.indices.min { c[$0] < c[$1] }!
        var largest = c.indices.max { c[$0] < c[$1] }!
        if largest == smallest { largest = (smallest + 1) % c.count }
        c[smallest] = lo
        c[largest] = hi
        counts = c
    }

    /// Largest kept count over smallest.
    public var ratio: Double { Double(counts.max() ?? 0) / Double(max(counts.min() ?? 1, 1)) }

    /// Indices of the videos kept from a set with these `labels` (ascending): a seeded uniform subset per class.
    public func keptIndices(labels: [Int], seed: UInt64) throws -> [Int] {
        var byClass = [[Int]](repeating: [], count: counts.count)
        for (i, l) in labels.enumerated() {
            guard l >= 0 && l < counts.count else {
                throw LearningError(.badArgument, "ImbalanceCut: label \(l) outside 0..<\(counts.count)")
            }
            byClass[l].append(i)
        }
        var rng = SeededGenerator(seed: seed, stream: "imbalance-choice")
        var kept: [Int] = []
        for (j, var members) in byClass.enumerated() {
            guard members.count >= counts[j] else {
                throw LearningError(.badArgument, "ImbalanceCut: class \(j) has \(members.count) videos, needs \(counts[j])")
            }
            rng.shuffle(&members)
            kept += members.prefix(counts[j])
        }
        return kept.sorted()
    }

    /// The imbalanced training set: `set` cut to `counts`.
    public func apply(to set: SequenceSet, seed: UInt64) throws -> SequenceSet {
        set.subset(try keptIndices(labels: set.labels, seed: seed))
    }
}
