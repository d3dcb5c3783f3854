import Media
import NN

/// Everything that shapes one model's training run. Defaults are the values `camsift train` uses; the
/// benchmark overrides only the sampler (same network, same budget of draws).
public struct TrainingConfiguration: Sendable, Codable, Equatable {
    /// `cosine`: per iteration, from `learningRate` to 1 % of it (the recipe before issue 16).
    /// `warmupCosine`: per optimizer step, a linear warm-up over `OptimizerSettings.warmupFraction` of the steps,
    /// then cosine to 0 (Goyal et al. 2017 §2.2; Loshchilov & Hutter 2017 Eq. 5) — the reference protocol's.
    public enum Schedule: String, Sendable, Codable, CaseIterable { case constant, cosine, warmupCosine = "warmup-cosine" }
    /// Which iteration's parameters the model keeps: the best reference macro F1 (Algorithm 1) or the last.
    public enum Keep: String, Sendable, Codable { case best, last }

    public var sampler: SamplerKind = .plain
    /// Iterations (passes of |X_train| draws each): the training budget.
    public var iterations = 15
    public var batchSize = 64
    public var learningRate: Float = 0.05
    public var schedule: Schedule = .warmupCosine
    /// How the small CNN's initial weights are drawn (`SmallCNN.Initialization`); nil in bundles written before it
    /// was a setting (they trained with `he`).
    public var initialization: SmallCNN.Initialization? = .pytorch
    /// Momentum, Nesterov, weight decay and warm-up; nil in bundles written before these were settings (they
    /// trained with `OptimizerSettings.legacy`).
    public var optimizer: OptimizerSettings? = .standard
    /// Algorithm 1's `IsFullyTrained`: stop when reference macro F1 has not improved for this many
    /// iterations (dynamic sampling only; the baselines spend the whole budget).
    public var patience = 5
    public var keep: Keep = .last
    /// Keep the exponential moving average of the weights (`WeightAverage`, decay d per step) instead of the last
    /// step's weights (with `keep == .last`); nil = off.
    public var averageDecay: Double?
    /// Algorithm 1 floor, fraction of N*.
    public var floorFraction = 0.05
    /// Tempering: α·Eq.2 + (1 − α)·N* (1 = as published).
    public var mix = 1.0
    /// Deferred re-sampling starts its balanced phase after this fraction of the iterations.
    public var deferFraction = 2.0 / 3.0
    /// Bootstrapped batches: negatives per positive.
    public var bootstrapRatio = 1.0
    public var augmentation: Augmentation = .standard
    /// Augmentation for the draws of classes an iteration repeats heavily (drawn ≥ `rareRepeat`× their image
    /// count: tail classes under resampling); nil = `augmentation` for every draw.
    public var rareAugmentation: Augmentation?
    /// Augmentation for M1's draws (two-model samplers); nil = `augmentation`. M1 repeats tail images many times
    /// per pass under class-balanced draws, M0 does not, so M1 may want more variety than M0.
    public var m1Augmentation: Augmentation?
    /// Mixup's α (`Mixup`: λ ~ Beta(α, α) per batch) for every model this configuration trains; nil = off.
    public var mixup: Double?
    /// Mixup's α for M1 only (two-model samplers), over `mixup`; nil = `mixup`.
    public var m1Mixup: Double?
    /// The repetition factor from which `rareAugmentation` applies (nil: 20).
    public var rareRepeat: Int?
    /// Where M1's parameters start. Algorithm 1 begins from M¹₀ ← "the pretrained/initial model":
    /// `scratch` = a freshly initialised network (seed + 1), `m0` = M0's trained parameters (M1 then spends
    /// its own budget of iterations fine-tuning them under dynamic sampling, with the learning-rate schedule
    /// restarted). Optional so bundles written before this field decode (nil = scratch).
    public enum M1Start: String, Sendable, Codable, CaseIterable { case scratch, m0 }
    public var m1Start: M1Start?
    /// How M1 learns the balanced view: `resampled` = the sampler's per-class draws (Algorithm 1's counts, or
    /// N* per class at mix 0); `logitAdjusted` = natural-mix draws with log π_c added to the logits inside the
    /// loss (Menon et al. 2021, Eq. 10), so no tail image is repeated ~50× per pass. nil = resampled.
    public enum M1Loss: String, Sendable, Codable, CaseIterable { case resampled, logitAdjusted = "logit-adjusted" }
    public var m1Loss: M1Loss?
    /// What M1 trains when it starts from M0 (`m1Start == .m0`): `all` parameters (nil), or, after Kang et al. 2020
    /// ("Decoupling representation and classifier for long-tailed recognition", §4: classifier re-training, cRT),
    /// only the `head` (the dense layers on the flattened features) or only the last linear `classifier`, on M0's
    /// frozen convolutions and BatchNorm statistics. The frozen part runs forward only, so M1 costs ~⅓ of a pass.
    public enum M1Trains: String, Sendable, Codable, CaseIterable { case all, head, classifier }
    public var m1Trains: M1Trains?
    /// M1's budget as a share of `iterations` when it starts from M0 (`m1Start == .m0`); nil = all of it. M1
    /// then fine-tunes a trained network rather than learning one (its schedule restarts at the peak rate).
    public var m1Share: Double?

    /// M1's passes: `iterations`, or its `m1Share` (at least 1) when M1 starts from M0's parameters.
    public func m1Iterations(fromM0: Bool) -> Int {
        guard fromM0, let share = m1Share else { return iterations }
        return max(1, Int((Double(iterations) * share).rounded()))
    }
    /// Fusion rule and Tr objective of the bundle's primary prediction (Eq. 3 and macro F1 as published).
    public var fusionRule: Fusion.Rule = .eq3
    public var thresholdObjective: Fusion.Objective = .macroF1
    /// λ of the `.adjusted` fusion rule; nil = chosen on the reference set (`Fusion.choosePriorWeight`).
    public var priorWeight: Double?
    /// w of the `.adjusted` fusion rule: M0's share of the balanced-view evidence (nil = 0, M1 alone).
    public var m0Weight: Double?
    /// Which view the bundle's temperature is fitted for on the reference split (`TemperatureScaling`):
    /// `natural` = every reference image counts the same (the training mix), `balanced` = every class counts the
    /// same (`classBalancedWeights`). nil = natural (bundles from before the option).
    public enum CalibrationView: String, Sendable, Codable, CaseIterable { case natural, balanced }
    public var calibrationView: CalibrationView?
    /// The companion member (`CompanionSpec`, `CompanionTraining`): a head on frozen EfficientNet-Lite0 features
    /// trained with M1's draws beside a from-scratch pair, pooled into M1's evidence with `weight` (w_E); with it
    /// the `.adjusted` rule uses `priorWeight` (λ) when set. nil = none (the `effnet-lite0` architecture, bundles
    /// from before it, `--companion none`).
    public struct Companion: Sendable, Codable, Equatable {
        public var weight: Double
        public var priorWeight: Double?
        public init(weight: Double, priorWeight: Double? = nil) {
            self.weight = weight
            self.priorWeight = priorWeight
        }
    }
    public var companion: Companion?
    public var seed: UInt64 = 1

    public init() {}

    /// Learning rate for optimizer step `step` (0-based) of `totalSteps`, in iteration `i` of `iterations`:
    /// constant; cosine per iteration from `learningRate` to 1 % of it; or, per step, warm-up then cosine to 0.
    public func learningRate(step: Int, of totalSteps: Int, iteration i: Int) -> Float {
        guard schedule == .warmupCosine else { return learningRate(at: i) }
        let warmup = Int((Double(totalSteps) * (optimizer ?? .legacy).warmupFraction).rounded())
        return Warmup(steps: warmup, then: CosineDecay(base: learningRate, totalSteps: max(1, totalSteps - warmup)))
            .learningRate(at: step)
    }

    /// Learning rate for iteration `i` of `iterations` under the per-iteration schedules (constant, cosine).
    public func learningRate(at i: Int) -> Float {
        switch schedule {
        case .constant: return learningRate
        case .warmupCosine: return learningRate
        case .cosine:
            let t = iterations > 1 ? Double(i) / Double(iterations - 1) : 0
            let f = 0.01 + 0.99 * 0.5 * (1 + _cos(Double.pi * t))
            return learningRate * Float(f)
        }
    }
}

#if canImport(Glibc)
import Glibc
import Serving
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#endif
