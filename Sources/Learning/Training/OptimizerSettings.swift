/// How the engine's SGD updates weights: momentum, Nesterov, weight decay (coupled, as PyTorch's `SGD`, or
/// decoupled, Loshchilov & Hutter 2019 "Decoupled Weight Decay Regularization" Alg. 1 SGDW), and the warm-up
/// share of the per-step schedule.
///
/// `standard` is the reference protocol of issue 16 (Nesterov momentum 0.9, weight decay 5e-4 coupled on every
/// parameter, 5 % warm-up); `legacy` what camsift trained with before it (heavy-ball momentum, no warm-up, no decay
/// on batch-norm γ/β and biases), so a bundle written then still describes its own training.
public struct OptimizerSettings: Sendable, Codable, Equatable {
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    /// Decay the weights by η·λ·w apart from the gradient (SGDW) instead of adding λ·w to it (L2).
    public var decoupledWeightDecay: Bool
    /// Share of the optimizer steps spent warming the learning rate up linearly (`Schedule.warmupCosine`).
    public var warmupFraction: Double
    /// Decay every trainable tensor — batch-norm γ/β and biases too — as PyTorch's `SGD(model.parameters(),
    /// weight_decay=…)` does, instead of the weights of convolutions and dense layers only.
    public var decayAll: Bool

    public init(momentum: Float = 0.9, nesterov: Bool = true, weightDecay: Float = 5e-4,
                decoupledWeightDecay: Bool = false, warmupFraction: Double = 0.05, decayAll: Bool = true) {
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.warmupFraction = warmupFraction
        self.decayAll = decayAll
    }

    private enum CodingKeys: String, CodingKey { case momentum, nesterov, weightDecay, decoupledWeightDecay, warmupFraction, decayAll }

    /// Bundles written before `decayAll` existed decode with it off (what they trained with).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(momentum: try c.decode(Float.self, forKey: .momentum), nesterov: try c.decode(Bool.self, forKey: .nesterov),
                  weightDecay: try c.decode(Float.self, forKey: .weightDecay),
                  decoupledWeightDecay: try c.decode(Bool.self, forKey: .decoupledWeightDecay),
                  warmupFraction: try c.decode(Double.self, forKey: .warmupFraction),
                  decayAll: try c.decodeIfPresent(Bool.self, forKey: .decayAll) ?? false)
    }

    public static let standard = OptimizerSettings()
    public static let legacy = OptimizerSettings(nesterov: false, warmupFraction: 0, decayAll: false)
}
