/// Mixup targets of one batch (Zhang et al. 2018, "mixup: Beyond Empirical Risk Minimization", Eq. 1): row i of
/// the input is λ·x_i + (1 − λ)·x_{partner(i)}, so its target is λ·onehot(y_i) + (1 − λ)·onehot(partners[i]).
/// One λ per batch, as the paper's implementation draws it.
public struct MixedLabels: Sendable, Equatable {
    /// The label of the image mixed into each row.
    public var partners: [Int]
    /// The weight of the row's own image and label, in [0, 1].
    public var lambda: Float

    public init(partners: [Int], lambda: Float) {
        self.partners = partners
        self.lambda = lambda
    }

    /// The rows `range` of this batch (a data-parallel shard).
    public func slice(_ range: Range<Int>) -> MixedLabels {
        MixedLabels(partners: Array(partners[range]), lambda: lambda)
    }
}
