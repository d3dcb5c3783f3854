/// Labelled sequences of feature vectors, each `[T_i, F]` row-major (frame after frame), for the window
/// classifier of Pouyanfar, Chen & Shyu, "Deep Spatio-Temporal Representation Learning for Multi-Class
/// Imbalanced Data Classification": in the daemon a sequence is a camera's frames as pretrained-CNN features,
/// in the benchmark a JapaneseVowels utterance (12 LPC channels per step). Lengths may differ until
/// `TemporalOversampler` brings every sequence to α steps.
public struct SequenceSet: Sendable, Equatable {
    /// Values per time step (F).
    public let featureCount: Int
    /// One array per sequence, `length × featureCount` values, time-major.
    public private(set) var sequences: [[Float]]
    /// Class index per sequence, in `0..<classNames.count`.
    public private(set) var labels: [Int]
    public let classNames: [String]

    /// Throws `badArgument` when a sequence is empty or not a whole number of steps, or a label is out of range:
    /// a malformed set would otherwise surface as a shape error deep inside training.
    public init(featureCount: Int, sequences: [[Float]], labels: [Int], classNames: [String]) throws {
        guard featureCount >= 1 else { throw LearningError(.badArgument, "SequenceSet: featureCount must be ≥ 1") }
        guard sequences.count == labels.count else {
            throw LearningError(.badArgument, "SequenceSet: \(sequences.count) sequences but \(labels.count) labels")
        }
        for (i, s) in sequences.enumerated() where s.isEmpty || s.count % featureCount != 0 {
            throw LearningError(.badArgument,
                "SequenceSet: sequence \(i) has \(s.count) values, not a positive multiple of \(featureCount) features")
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classNames.count }) {
            throw LearningError(.badArgument, "SequenceSet: label \(bad) outside 0..<\(classNames.count) classes")
        }
        self.featureCount = featureCount
        self.sequences = sequences
        self.labels = labels
        self.classNames = classNames
    }

    public var count: Int { sequences.count }
    public var classCount: Int { classNames.count }

    /// Number of time steps of sequence `i`.
    public func length(_ i: Int) -> Int { sequences[i].count / featureCount }

    /// Sequences per class (nv_j in Algorithm 1).
    public var classCounts: [Int] { ClassStatistics(labels: labels, classCount: classCount).counts }

    /// The sequences at `indices`, in that order (repeats allowed).
    public func subset(_ indices: [Int]) -> SequenceSet {
        var s = self
        s.sequences = indices.map { sequences[$0] }
        s.labels = indices.map { labels[$0] }
        return s
    }

    /// Shortest and longest sequence (0, 0 when empty).
    public var lengthRange: (min: Int, max: Int) {
        let l = (0..<count).map(length)
        return (l.min() ?? 0, l.max() ?? 0)
    }

    /// Per-channel mean and standard deviation over every step of every sequence (population σ; 1 where a channel
    /// is constant). Computed on the training set and applied to both sets, so channels of different scales (LPC
    /// coefficients, CNN features) start comparable and augmentation sigmas mean fractions of a σ.
    public func channelStatistics() -> (mean: [Float], std: [Float]) {
        let f = featureCount
        var sum = [Double](repeating: 0, count: f), sq = [Double](repeating: 0, count: f)
        var steps = 0
        for s in sequences {
            for t in 0..<(s.count / f) {
                for j in 0..<f { let v = Double(s[t * f + j]); sum[j] += v; sq[j] += v * v }
            }
            steps += s.count / f
        }
        let n = Double(max(steps, 1))
        let mean = sum.map { $0 / n }
        let std = (0..<f).map { j -> Float in
            let v = sq[j] / n - mean[j] * mean[j]
            return v > 1e-12 ? Float(v.squareRoot()) : 1
        }
        return (mean.map(Float.init), std)
    }

    /// Every value standardised per channel: (x − mean_c) / std_c.
    public func standardized(mean: [Float], std: [Float]) -> SequenceSet {
        precondition(mean.count == featureCount && std.count == featureCount, "standardized: one mean/std per channel")
        var s = self
        let f = featureCount
        s.sequences = sequences.map { seq in seq.indices.map { (seq[$0] - mean[$0 % f]) / std[$0 % f] } }
        return s
    }
}
