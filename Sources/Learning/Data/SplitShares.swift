/// How `DatasetSplit` shares an archive out, in percent: train / reference / test (`camsift train --split T/R/E`).
///
/// The method publishes 70/10/20. A benchmark with an external test set (Fashion-MNIST's t10k) wants 90/10/0:
/// the held-out 20 % would only be a second, smaller test set, and the reference protocol trains on 90 %. Train and
/// reference must be non-empty (the trainer learns from one and Algorithm 1, the kept iteration and the fusion
/// threshold read the other); test may be 0, and then training reports no test metrics.
public struct SplitShares: Sendable, Equatable, Codable, CustomStringConvertible {
    public var train: Double
    public var reference: Double
    public var test: Double

    /// The method's 70/10/20.
    public static let `default` = SplitShares(uncheckedTrain: 70, reference: 10, test: 20)

    init(uncheckedTrain train: Double, reference: Double, test: Double) {
        (self.train, self.reference, self.test) = (train, reference, test)
    }

    /// Percentages; throws `.badArgument` saying what to change when train or reference is not > 0, test is
    /// negative, or the three do not sum to 100.
    public init(train: Double, reference: Double, test: Double) throws {
        self.init(uncheckedTrain: train, reference: reference, test: test)
        try validate()
    }

    /// Parses `T/R/E`, e.g. `70/10/20` or `90/10/0`; a bad spec throws `.badArgument` with a message that names
    /// `--split` and an example.
    public init(parsing spec: String) throws {
        let parts = spec.split(separator: "/", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let t = parts[0], let r = parts[1], let e = parts[2], t.isFinite, r.isFinite, e.isFinite else {
            throw LearningError(.badArgument, "--split '\(spec)': give three percentages train/reference/test that sum to 100, "
                + "e.g. 70/10/20 (the default) or 90/10/0 when the test set is external")
        }
        self.init(uncheckedTrain: t, reference: r, test: e)
        do { try validate() } catch let e as LearningError {
            throw LearningError(.badArgument, "--split '\(spec)': " + e.message)
        }
    }

    func validate() throws {
        guard train > 0, reference > 0 else {
            throw LearningError(.badArgument, "train and reference must each be > 0 % (training learns from the train split; "
                + "the reference split picks the kept iteration and the fusion threshold), e.g. 90/10/0")
        }
        guard test >= 0 else { throw LearningError(.badArgument, "test must be ≥ 0 % (0 = no test split), e.g. 90/10/0") }
        let sum = train + reference + test
        guard abs(sum - 100) < 1e-9 else {
            throw LearningError(.badArgument, "the three shares sum to \(Self.number(sum)), not 100; e.g. 70/10/20 or 90/10/0")
        }
    }

    /// Fractions of each class that go to train, and to train + reference (the cut points, test gets the rest).
    var cuts: (train: Double, trainAndReference: Double) {
        (train / 100, test == 0 ? 1 : (train + reference) / 100)
    }

    /// Shares as fractions, in split order (train, reference, test).
    var fractions: [Double] { [train / 100, reference / 100, test / 100] }

    /// `70/10/20`: the spelling `--split` takes.
    public var description: String { [train, reference, test].map(Self.number).joined(separator: "/") }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
