import CamsiftCore

/// Table I of Yan, Chen, Shyu, Chen ("Deep Learning for Imbalanced Multimedia Data Classification"): the
/// bootstrapped, pseudo-balanced batches that train one binary concept detector, exactly as published.
///
/// For a concept with m positives and n negatives and a batch of s = s_p + s_n samples with r = s_n / s_p:
/// 1. the negatives are partitioned **once** (a seeded shuffle, then consecutive runs) into N = ⌊n / s_n⌋ batches
///    of s_n; the n mod s_n left over are never used (the paper's N = ⌊n / s_n⌋);
/// 2. for each of I iterations and each of the N batches, s_p positives are drawn uniformly **with replacement**
///    from all m positives and joined to that batch's fixed negatives; the network trains on the combined batch.
///
/// The paper sets the batch size to twice the number of positives (`paperBatchSize`) but does not give r; camsift
/// uses r = 1 (s_p = s_n = s / 2) by default and says so in its reports. This is not `SamplerKind.bootstrap`,
/// which generalises the idea to many classes with re-shuffled negatives; both exist and are benchmarked.
public struct BootstrappedBatches: Sendable {
    /// Indices of the positive samples (drawn with replacement).
    public let positives: [Int]
    /// The fixed partition of the negatives: N batches of s_n indices each.
    public let negativeBatches: [[Int]]
    /// s_p, positives drawn per batch.
    public let positivesPerBatch: Int
    /// Negatives no batch uses (n mod s_n of them).
    public let unusedNegatives: [Int]

    public var batchCount: Int { negativeBatches.count }
    public var negativesPerBatch: Int { negativeBatches.first?.count ?? 0 }
    public var batchSize: Int { positivesPerBatch + negativesPerBatch }

    /// The paper's batch size: twice the number of positives.
    public static func paperBatchSize(positives m: Int) -> Int { 2 * m }

    /// Partitions `negatives` for batches of `batchSize` with r = s_n / s_p = `ratio`:
    /// s_p = round(s / (1 + r)), s_n = s − s_p.
    public init(positives: [Int], negatives: [Int], batchSize: Int, ratio: Double = 1,
                rng: inout SeededGenerator) throws {
        guard !positives.isEmpty else {
            throw LearningError(.badArgument, "Table I batches need at least one positive sample (got none)")
        }
        guard batchSize >= 2, ratio > 0, ratio.isFinite else {
            throw LearningError(.badArgument, "Table I batches: batch size \(batchSize) must be ≥ 2 and r = \(ratio) > 0")
        }
        let sp = Swift.min(batchSize - 1, Swift.max(1, Int((Double(batchSize) / (1 + ratio)).rounded())))
        let sn = batchSize - sp
        guard negatives.count >= sn else {
            throw LearningError(.badArgument, "Table I batches: \(negatives.count) negatives cannot fill one batch "
                + "of s_n = \(sn) (batch \(batchSize), r = \(ratio)); lower --batch-size")
        }
        var shuffled = negatives
        rng.shuffle(&shuffled)
        let n = shuffled.count / sn
        self.positives = positives
        self.positivesPerBatch = sp
        self.negativeBatches = (0..<n).map { Array(shuffled[($0 * sn)..<(($0 + 1) * sn)]) }
        self.unusedNegatives = Array(shuffled[(n * sn)...])
    }

    /// Batch `j` of one iteration: its fixed s_n negatives followed by s_p positives drawn uniformly with
    /// replacement (order inside a batch does not change a full-batch gradient).
    public func batch(_ j: Int, rng: inout SeededGenerator) -> [Int] {
        var out = negativeBatches[j]
        out.reserveCapacity(batchSize)
        for _ in 0..<positivesPerBatch { out.append(positives[rng.below(positives.count)]) }
        return out
    }

    /// One iteration of Table I: the N combined batches, in partition order.
    public func iteration(rng: inout SeededGenerator) -> [[Int]] {
        (0..<batchCount).map { batch($0, rng: &rng) }
    }
}
