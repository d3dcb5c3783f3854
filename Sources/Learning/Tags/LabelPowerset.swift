/// The label-powerset transform of Algorithm 1 (L̂ = LabelPowerset(L); Tsoumakas & Katakis, "Multi-label
/// classification: an overview", 2007, §3): every distinct label set of the training data becomes one class of a
/// single multi-class problem, so the SVM learns label co-occurrence ("snow" with "night") that binary relevance
/// cannot.
///
/// Rare combinations: yeast's 2,417 rows carry 198 distinct sets, 77 of them seen once; a class with one or two
/// rows gives the SVM nothing to separate and costs a one-vs-one model per pair. The paper does not cap them; here
/// a combination seen fewer than `minimumCount` times in training is **merged into its nearest frequent
/// combination**: the smallest Hamming distance between the two label vectors, ties to the more frequent one, then
/// to the lower class index. Its rows stay in training with that target (no row is dropped), and their true label
/// sets still count for the concept weights δ (`ConceptWeights`). With `minimumCount` 1 nothing is merged.
public struct LabelPowerset: Sendable, Equatable {
    /// Label count (the width of every label vector).
    public let labelCount: Int
    /// Class index → the label set it stands for (sorted label indices), most frequent first.
    public let combinations: [[Int]]
    /// Training rows per class after merging.
    public let counts: [Int]
    /// Each distinct training label set (sorted) → its class (itself, or the class it was merged into).
    public let mapping: [[Int]: Int]
    /// How many distinct training label sets were merged into another class.
    public let mergedCount: Int

    /// Builds the classes from training label sets (each a set of label indices in `0..<labelCount`).
    public init(training: [Set<Int>], labelCount: Int, minimumCount: Int = 1) throws {
        guard labelCount > 0, minimumCount >= 1 else {
            throw LearningError(.badArgument, "LabelPowerset: labelCount \(labelCount), minimumCount \(minimumCount); both must be ≥ 1")
        }
        var tally: [[Int]: Int] = [:]
        for s in training {
            guard s.allSatisfy({ (0..<labelCount).contains($0) }) else {
                throw LearningError(.badArgument, "LabelPowerset: label set \(s.sorted()) has an index outside 0..<\(labelCount)")
            }
            tally[s.sorted(), default: 0] += 1
        }
        guard !tally.isEmpty else { throw LearningError(.badArgument, "LabelPowerset: no training label sets") }
        // Most frequent first; ties by the set's lexicographic order, so the classes do not depend on row order.
        let byCount = tally.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
        var frequent = byCount.filter { $0.value >= minimumCount }
        // Everything rare: keep the most frequent set so there is a class to merge into.
        if frequent.isEmpty { frequent = [byCount[0]] }
        let combinations = frequent.map(\.key)
        let frequentCounts = frequent.map(\.value)
        var counts = frequentCounts
        var mapping: [[Int]: Int] = [:]
        for (k, c) in combinations.enumerated() { mapping[c] = k }
        var merged = 0
        for (set, n) in byCount where mapping[set] == nil {
            let target = Self.nearest(set, among: combinations, counts: frequentCounts)
            mapping[set] = target
            counts[target] += n
            merged += 1
        }
        self.labelCount = labelCount
        self.combinations = combinations
        self.counts = counts
        self.mapping = mapping
        self.mergedCount = merged
    }

    public var classCount: Int { combinations.count }

    /// A label set's class: its own, its merge target, or — for a set never seen in training — the nearest class by
    /// the same rule as merging.
    public func classIndex(of labels: Set<Int>) -> Int {
        let key = labels.sorted()
        if let k = mapping[key] { return k }
        return Self.nearest(key, among: combinations, counts: counts)
    }

    /// The inverse transform: a class back to its label set.
    public func labels(of classIndex: Int) -> Set<Int> { Set(combinations[classIndex]) }

    /// Hamming distance between two sorted label sets = size of their symmetric difference.
    static func distance(_ a: [Int], _ b: [Int]) -> Int { Set(a).symmetricDifference(b).count }

    private static func nearest(_ set: [Int], among combinations: [[Int]], counts: [Int]) -> Int {
        var best = 0
        for k in combinations.indices.dropFirst() {
            let dk = distance(set, combinations[k]), db = distance(set, combinations[best])
            if dk < db || (dk == db && counts[k] > counts[best]) { best = k }
        }
        return best
    }
}
