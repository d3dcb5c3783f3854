/// Hyper-parameters of `WindowTrainer`, defaulting to the paper's where it names them (Pouyanfar, Chen & Shyu,
/// "Deep Spatio-Temporal Representation Learning for Multi-Class Imbalanced Data Classification"): Adam, L2
/// λ = 0.0003, class weighting optional. The paper's learning rate is 1e-6; the default here is 1e-3 because the
/// benchmark measured 1e-6 to leave a freshly initialised network near chance within a bounded number of epochs
/// (bench/RESULTS.md, temporal section) — `published` keeps the paper's value for anyone reproducing it.
public struct WindowTrainingConfiguration: Sendable, Equatable, Codable {
    /// Passes over the (possibly oversampled) training set.
    public var epochs: Int
    public var batchSize: Int
    /// Adam's step size η.
    public var learningRate: Float
    /// L2 λ, added to the gradient as λ·w (PyTorch's `Adam(weight_decay:)`), on weights only: biases and
    /// BatchNorm's affine parameters are not decayed (`Parameter.decays`).
    public var weightDecay: Float
    /// Weight each sample's loss by its class's inverse frequency in the training set as trained, w_c = N / (C·n_c)
    /// (`ClassStatistics.inverseFrequencyWeights`, sklearn's "balanced"), normalised by Σ w as PyTorch's
    /// `CrossEntropyLoss(weight:)` does — the paper's "class weighting" rows.
    public var classWeighting: Bool
    /// Seeds the minibatch order (the network's initial weights and dropout come from its own build seed).
    public var seed: UInt64

    public init(epochs: Int = 60, batchSize: Int = 32, learningRate: Float = 1e-3, weightDecay: Float = 3e-4,
                classWeighting: Bool = false, seed: UInt64 = 1) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.classWeighting = classWeighting
        self.seed = seed
    }

    /// The paper's published optimiser settings: Adam at lr 1e-6, L2 λ = 0.0003.
    public static let publishedLearningRate: Float = 1e-6

    func validate() throws {
        guard epochs >= 1, batchSize >= 2 else {
            throw LearningError(.badArgument,
                "window training: epochs (\(epochs)) must be ≥ 1 and batchSize (\(batchSize)) ≥ 2 (BatchNorm needs 2)")
        }
        guard learningRate > 0, weightDecay >= 0 else {
            throw LearningError(.badArgument, "window training: learningRate must be > 0 and weightDecay ≥ 0")
        }
    }
}
