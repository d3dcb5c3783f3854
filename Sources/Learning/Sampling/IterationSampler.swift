import CamsiftCore
/// Draws X_i, the multiset of training images for one iteration (one pass), for every `SamplerKind`.
/// Indices returned are positions into the `labels` array given at init (the training split).
public struct IterationSampler: Sendable {
    public let kind: SamplerKind
    /// Training-image positions per class.
    public let members: [[Int]]
    public let total: Int
    /// Current per-class counts N_{i,·} for `.dynamic`/`.balanced` (Algorithm 1 state).
    public private(set) var counts: [Int]
    public var dynamic: DynamicSampling
    /// First iteration (0-based) of the balanced phase for `.deferred`.
    public var deferStart: Int
    /// Negatives per positive in a `.bootstrap` batch.
    public var bootstrapRatio: Double
    public var batchSize: Int

    public init(kind: SamplerKind, labels: [Int], classCount: Int, iterations: Int, batchSize: Int = 64,
                floorFraction: Double = 0.05, mix: Double = 1, deferFraction: Double = 2.0 / 3.0,
                bootstrapRatio: Double = 1) {
        self.kind = kind
        var m = [[Int]](repeating: [], count: classCount)
        for (i, l) in labels.enumerated() { m[l].append(i) }
        members = m
        total = labels.count
        dynamic = DynamicSampling(total: labels.count, classCount: classCount, floorFraction: floorFraction, mix: mix)
        counts = dynamic.initialCounts
        deferStart = Int((Double(iterations) * deferFraction).rounded())
        self.bootstrapRatio = bootstrapRatio
        self.batchSize = batchSize
    }

    /// Whether iteration `i` draws class-balanced counts.
    func isBalanced(_ i: Int) -> Bool {
        switch kind {
        case .balanced: true
        case .deferred: i >= deferStart
        default: false
        }
    }

    /// X_i for iteration `i` (0-based), shuffled.
    public func draw(iteration i: Int, rng: inout SeededGenerator) -> [Int] {
        var out: [Int]
        switch kind {
        case .plain, .weighted:
            out = Array(0..<total)
        case .deferred where i < deferStart:
            out = Array(0..<total)
        case .balanced, .deferred:
            out = Self.draw(counts: dynamic.initialCounts, from: members, rng: &rng)
        case .dynamic, .fused:
            out = Self.draw(counts: counts, from: members, rng: &rng)
        case .bootstrap:
            return bootstrapBatches(rng: &rng)
        }
        rng.shuffle(&out)
        return out
    }

    /// Algorithm 1, line "update N": feeds the reference F1 of the iteration just trained.
    public mutating func observe(referenceF1 f1: [Double]) {
        guard kind == .dynamic || kind == .fused else { return }
        counts = dynamic.nextCounts(f1: f1)
    }

    /// Per class: `counts[j]` images of class j — without replacement when the class has that many,
    /// otherwise i.i.d. with replacement (augmentation makes the repeats differ). An empty class yields none.
    public static func draw(counts: [Int], from members: [[Int]], rng: inout SeededGenerator) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(counts.reduce(0, +))
        for (j, n) in counts.enumerated() where n > 0 && !members[j].isEmpty {
            let m = members[j]
            if n <= m.count {
                var pool = m
                // Partial Fisher–Yates: the first n of a uniform permutation.
                for k in 0..<n {
                    let r = k + rng.below(pool.count - k)
                    pool.swapAt(k, r)
                }
                out += pool[0..<n]
            } else {
                for _ in 0..<n { out.append(m[rng.below(m.count)]) }
            }
        }
        return out
    }

    /// Bootstrapped balanced batches, generalised from the binary study: classes with fewer images than
    /// N* are "positives", the rest "negatives". Each batch holds round(B / (1 + ratio)) positives drawn
    /// with replacement (uniform over positive classes, then over their images) and the rest negatives
    /// taken in order from a shuffled pass over the negative images. Batches are kept in order (not
    /// shuffled across), so each batch has the fixed ratio.
    func bootstrapBatches(rng: inout SeededGenerator) -> [Int] {
        let nStar = dynamic.nStar
        let pos = members.indices.filter { Double(members[$0].count) < nStar && !members[$0].isEmpty }
        let neg = members.indices.filter { Double(members[$0].count) >= nStar }
        guard !pos.isEmpty, !neg.isEmpty else {
            var all = Array(0..<total)
            rng.shuffle(&all)
            return all
        }
        var negPool = neg.flatMap { members[$0] }
        rng.shuffle(&negPool)
        let perBatchPos = max(1, Int((Double(batchSize) / (1 + bootstrapRatio)).rounded()))
        var out: [Int] = []
        out.reserveCapacity(total)
        var k = 0
        while out.count < total {
            let b = min(batchSize, total - out.count)
            let p = min(perBatchPos, b)
            var batch: [Int] = []
            for _ in 0..<p {
                let c = pos[rng.below(pos.count)]
                batch.append(members[c][rng.below(members[c].count)])
            }
            for _ in p..<b {
                if k == negPool.count { k = 0; rng.shuffle(&negPool) }
                batch.append(negPool[k]); k += 1
            }
            rng.shuffle(&batch)
            out += batch
        }
        return out
    }
}
