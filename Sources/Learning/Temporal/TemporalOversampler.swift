import CamsiftCore

/// Algorithm 1 ("spatio-temporal synthetic oversampling") of Pouyanfar, Chen & Shyu, "Deep Spatio-Temporal
/// Representation Learning for Multi-Class Imbalanced Data Classification": every class is brought to about the
/// size of the largest by emitting several fixed-length, augmented copies of each of its videos.
///
///     δ = size of the largest class
///     for each class j:  freq_j = ⌈δ / nv_j⌉
///       for each video v of class j, for fr = 1 … freq_j:
///         frames ← |frames| > α ? RandDown(frames, α) : UpSample(frames, α)
///         copy ← RandAug(frames); features(copy)
///
/// Implemented as published, with these interpretations and one deviation (issue 18 asks for each to be named):
/// - **RandDown** (`randDown`): skip = |frames| / α and one uniformly random frame from each of the α skip
///   windows, in time order. When α does not divide |frames| the skip is fractional; window k is
///   `⌊k·L/α⌋ ..< ⌊(k+1)·L/α⌋`, so the windows tile the whole video (an integer skip would silently drop the last
///   L mod α frames) and, since L > α, every window holds at least one frame.
/// - **UpSample** (`upSample`, unspecified in the paper): repeat frames evenly — step k of α shows frame
///   `⌊k·L/α⌋`, so each frame appears ⌊α/L⌋ or ⌈α/L⌉ times, in time order. L = α is the identity.
/// - **Deviation, line 7**: the paper assigns the sampled list back to `frames`, so from the second copy on
///   RandDown/UpSample start from α frames and every copy of a long video is the first copy's frames. Each copy
///   here starts from the original frame list, so copies of a long video sample different frames — the point
///   of drawing them at random.
/// - Every copy, the first included, is augmented (the paper's RandAug on each copy); the benchmark's augmentation
///   is `JitterScaling` since its sequences are not images.
public struct TemporalOversampler: Sendable {
    /// Sequence size α (the paper's 40).
    public let alpha: Int

    public init(alpha: Int = 40) throws {
        guard alpha >= 1 else { throw LearningError(.badArgument, "TemporalOversampler: α must be ≥ 1, got \(alpha)") }
        self.alpha = alpha
    }

    /// One copy Algorithm 1 emits: the source sequence and the α frame indices it shows, in time order.
    public struct Copy: Sendable, Equatable {
        public var source: Int
        public var frames: [Int]
    }

    /// freq_j = ⌈δ / nv_j⌉ with δ the largest class count; a class without videos gets 0 (nothing to copy).
    public static func frequencies(classCounts: [Int]) -> [Int] {
        let delta = classCounts.max() ?? 0
        return classCounts.map { $0 == 0 ? 0 : (delta + $0 - 1) / $0 }
    }

    /// The skip windows of RandDown for a video of `length` frames: window k is `⌊k·L/α⌋ ..< ⌊(k+1)·L/α⌋`.
    public static func skipWindows(length: Int, alpha: Int) -> [Range<Int>] {
        (0..<alpha).map { k in (k * length / alpha)..<((k + 1) * length / alpha) }
    }

    /// RandDown: one random frame from each of the α skip windows (`length > alpha`).
    public static func randDown(length: Int, alpha: Int, rng: inout SeededGenerator) -> [Int] {
        precondition(length > alpha, "RandDown needs more than α frames")
        return skipWindows(length: length, alpha: alpha).map { $0.lowerBound + rng.below($0.count) }
    }

    /// UpSample: α indices repeating the `length ≤ alpha` frames evenly, in time order.
    public static func upSample(length: Int, alpha: Int) -> [Int] {
        precondition(length >= 1 && length <= alpha, "UpSample needs 1…α frames")
        return (0..<alpha).map { $0 * length / alpha }
    }

    /// Evenly spaced α indices for any length (`⌊k·L/α⌋`): the deterministic resampling for test windows, which
    /// the paper does not oversample (equals `upSample` when L ≤ α; the skip windows' first frames when L > α).
    public static func evenIndices(length: Int, alpha: Int) -> [Int] {
        (0..<alpha).map { $0 * length / alpha }
    }

    /// Algorithm 1's frame choice for one copy: RandDown if the video has more than α frames, else UpSample.
    public func frameIndices(length: Int, rng: inout SeededGenerator) -> [Int] {
        length > alpha ? Self.randDown(length: length, alpha: alpha, rng: &rng)
                       : Self.upSample(length: length, alpha: alpha)
    }

    /// The copies Algorithm 1 emits for videos of these lengths and labels: freq_j copies of every video of class
    /// j, grouped by video in input order. `copiesPerVideo` overrides freq_j (1 gives the "no oversampling" rows:
    /// every video once at α frames).
    public func plan(lengths: [Int], labels: [Int], classCount: Int, copiesPerVideo: Int? = nil,
                     rng: inout SeededGenerator) -> [Copy] {
        let freq = Self.frequencies(classCounts: ClassStatistics(labels: labels, classCount: classCount).counts)
        var out: [Copy] = []
        for (v, length) in lengths.enumerated() {
            for _ in 0..<(copiesPerVideo ?? freq[labels[v]]) {
                // Line 7 deviation: always from the original `length` frames, never the previous copy's α.
                out.append(Copy(source: v, frames: frameIndices(length: length, rng: &rng)))
            }
        }
        return out
    }

    /// Oversamples `set`: every output sequence has α steps; each copy is augmented when `augmentation` is given.
    /// Returns the new set and, per output sequence, the index of its source sequence.
    public func oversample(_ set: SequenceSet, augmentation: (any SequenceAugmentation)?, copiesPerVideo: Int? = nil,
                           seed: UInt64) throws -> (set: SequenceSet, sources: [Int]) {
        var frameRNG = SeededGenerator(seed: seed, stream: "temporal-frames")
        var augRNG = SeededGenerator(seed: seed, stream: "temporal-augment")
        let copies = plan(lengths: (0..<set.count).map(set.length), labels: set.labels, classCount: set.classCount,
                          copiesPerVideo: copiesPerVideo, rng: &frameRNG)
        let f = set.featureCount
        var sequences: [[Float]] = []
        sequences.reserveCapacity(copies.count)
        for copy in copies {
            sequences.append(Self.gather(set.sequences[copy.source], frames: copy.frames, featureCount: f))
            augmentation?.augment(&sequences[sequences.count - 1], frameCount: alpha, featureCount: f, rng: &augRNG)
        }
        let out = try SequenceSet(featureCount: f, sequences: sequences, labels: copies.map { set.labels[$0.source] },
                                  classNames: set.classNames)
        return (out, copies.map(\.source))
    }

    /// Every sequence resampled to α steps with `evenIndices` (no randomness, no augmentation): test sets.
    public func resampleEvenly(_ set: SequenceSet) throws -> SequenceSet {
        let f = set.featureCount
        let seqs = (0..<set.count).map {
            Self.gather(set.sequences[$0], frames: Self.evenIndices(length: set.length($0), alpha: alpha), featureCount: f)
        }
        return try SequenceSet(featureCount: f, sequences: seqs, labels: set.labels, classNames: set.classNames)
    }

    /// The rows `frames` of a time-major `[T, F]` sequence.
    static func gather(_ seq: [Float], frames: [Int], featureCount f: Int) -> [Float] {
        var out = [Float](repeating: 0, count: frames.count * f)
        for (k, t) in frames.enumerated() { for j in 0..<f { out[k * f + j] = seq[t * f + j] } }
        return out
    }
}
