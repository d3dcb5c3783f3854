import CamsiftCore
/// The method's three disjoint sets (Section "Data"): by default 70% train, 10% reference (drives Algorithm 1's F1
/// and the fusion threshold), 20% test, stratified per class and seeded; other shares with `SplitShares`
/// (`camsift train --split`), including no test split when the test set is external.
public struct DatasetSplit: Sendable, Equatable {
    public enum Grouping: String, Sendable { case image, camera }

    /// Indices into the archive's `items`, each sorted ascending.
    public var train: [Int]
    public var reference: [Int]
    public var test: [Int]

    public init(train: [Int], reference: [Int], test: [Int]) {
        self.train = train
        self.reference = reference
        self.test = test
    }

    /// Splits `labels` (one class index per item).
    /// - `.image`: per class, shuffle then cut at round(0.7n) and round(0.8n) (for the default shares); every
    ///   class with ≥ 3 images gets at least one image in each split, and with a test share of 0, every class with
    ///   ≥ 2 images one in train and one in reference (and none in test).
    /// - `.camera`: all images of one camera (`groups[i]`) go to one split, because the method's reference
    ///   images must come from another camera or time than the test images. Cameras are assigned greedily,
    ///   largest first (ties in seeded order), to the split furthest below its per-class target.
    public static func make(labels: [Int], groups: [String]? = nil, by grouping: Grouping = .image,
                            classCount: Int, seed: UInt64,
                            shares: SplitShares = .default) throws -> DatasetSplit {
        try shares.validate()
        let cuts = shares.cuts
        var rng = SeededGenerator(seed: seed, stream: "split")
        var parts: [[Int]] = [[], [], []]
        switch grouping {
        case .image:
            for c in 0..<classCount {
                var idx = labels.indices.filter { labels[$0] == c }
                rng.shuffle(&idx)
                let n = idx.count
                var a = Int((Double(n) * cuts.train).rounded())
                var b = Int((Double(n) * cuts.trainAndReference).rounded())
                if shares.test == 0 {
                    b = n
                    if n >= 2 { a = min(max(a, 1), n - 1) }
                } else if n >= 3 {
                    a = min(max(a, 1), n - 2)
                    b = min(max(b, a + 1), n - 1)
                }
                parts[0] += idx[0..<a]
                parts[1] += idx[a..<b]
                parts[2] += idx[b...]
            }
        case .camera:
            guard let groups, groups.count == labels.count else {
                throw LearningError(.badArgument, "--split-by camera needs a camera key per image")
            }
            var members: [String: [Int]] = [:]
            for (i, g) in groups.enumerated() { members[g, default: []].append(i) }
            var keys = members.keys.sorted()
            rng.shuffle(&keys)
            let order = keys.enumerated().sorted {
                let (a, b) = (members[$0.element]!.count, members[$1.element]!.count)
                return a != b ? a > b : $0.offset < $1.offset
            }.map(\.element)
            var totals = [Double](repeating: 0, count: classCount)
            for l in labels { totals[l] += 1 }
            let share = shares.fractions
            var have = [[Double]](repeating: [Double](repeating: 0, count: classCount), count: 3)
            for key in order {
                let m = members[key]!
                var hist = [Double](repeating: 0, count: classCount)
                for i in m { hist[labels[i]] += 1 }
                // Deficit of split s for this camera's classes, relative to the split's target.
                var best = 0
                var bestScore = -Double.infinity
                for s in 0..<3 where share[s] > 0 {
                    var score = 0.0
                    for c in 0..<classCount where hist[c] > 0 {
                        let target = totals[c] * share[s]
                        score += hist[c] * (target - have[s][c]) / max(target, 1)
                    }
                    if score > bestScore { bestScore = score; best = s }
                }
                parts[best] += m
                for c in 0..<classCount { have[best][c] += hist[c] }
            }
        }
        return DatasetSplit(train: parts[0].sorted(), reference: parts[1].sorted(), test: parts[2].sorted())
    }
}
