import CamsiftCore
import Foundation
import Media
import NN
import Serving

/// Trains one network under one sampler: Algorithm 1 when `configuration.sampler` is `.dynamic`/`.fused`,
/// a baseline otherwise. Each iteration draws X_i (`IterationSampler`), augments every draw on the fly,
/// takes one pass of mini-batch steps, then scores the reference set to get per-class F1 — which feeds the
/// next iteration's counts (Eq. 2) and the best-iteration choice.
///
/// Runs synchronously on the caller's thread (callers put it on a dedicated thread, never the cooperative
/// pool). Deterministic for a given seed and thread count: all randomness comes from `SeededGenerator` streams.
public final class Trainer {
    public let configuration: TrainingConfiguration
    public let normalization: Normalization
    public var progress: ((IterationRecord, Int) -> Void)?

    public init(configuration: TrainingConfiguration, normalization: Normalization) {
        self.configuration = configuration
        self.normalization = normalization
    }

    public struct Result {
        public var history: [IterationRecord]
        /// 0-based iteration whose parameters the network now holds.
        public var keptIteration: Int
        public var bestIteration: Int
        /// Set when a staged network's later stage ended below its earlier one on the reference split and the
        /// earlier stage's weights were restored (`StageRevert`).
        public var stageRevert: StageRevert? = nil
    }

    /// A later training stage (level-2 transfer: top blocks unfrozen) that made the reference macro F1 worse than
    /// the stage before it ended with; the trainer restored the earlier stage's weights. Why: measured on 13,397
    /// long-tailed Fashion-MNIST images, level 2 at the default rate collapsed the model to one class (reference
    /// macro F1 0.807 at the switch, 0.16 at the end), while level 1 alone kept 0.816 — a retraining must not
    /// hand the operator a worse model than the cheaper stage had already trained.
    public struct StageRevert: Sendable, Codable, Equatable {
        /// Reference macro F1 after the earlier stage's last iteration.
        public var earlierMacroF1: Double
        /// Reference macro F1 of the network the later stage left.
        public var laterMacroF1: Double
        /// 0-based iteration whose weights were restored (the earlier stage's last).
        public var keptIteration: Int
    }

    /// Trains `network` in place on `train`, scoring `reference` after every iteration.
    public func train(_ network: any TrainableNetwork, train: ImageSet, reference: ImageSet,
                      classCount: Int) throws -> Result {
        let cfg = configuration
        guard train.count > 0 else { throw LearningError(.badArchive, "the training split is empty; add images") }
        var sampler = IterationSampler(kind: cfg.sampler, labels: train.labels, classCount: classCount,
                                       iterations: cfg.iterations, batchSize: cfg.batchSize,
                                       floorFraction: cfg.floorFraction, mix: cfg.mix,
                                       deferFraction: cfg.deferFraction, bootstrapRatio: cfg.bootstrapRatio)
        let classWeights: [Float]? = cfg.sampler == .weighted
            ? ClassStatistics(labels: train.labels, classCount: classCount).inverseFrequencyWeights : nil
        var drawRNG = SeededGenerator(seed: cfg.seed, stream: "draws")
        var augRNG = SeededGenerator(seed: cfg.seed, stream: "augment")
        // Its own stream: turning mixup on leaves the draws and augmentations of a run unchanged.
        var mixRNG = SeededGenerator(seed: cfg.seed, stream: "mixup")
        let mixup = cfg.mixup.map { Mixup(alpha: $0) }
        let refInputs = normalization.apply(reference.pixels, channels: reference.channels, perImage: reference.perImage)
        var history: [IterationRecord] = []
        var best = (f1: -1.0, iteration: -1, snapshot: [[Float]]())
        // The weights and reference macro F1 at the end of the first stage, when the network has stages.
        var stageStart: (f1: Double, iteration: Int, snapshot: [[Float]])?
        let per = train.perImage
        var batch = [Float](repeating: 0, count: cfg.batchSize * per)
        var scratch = FloatImage(channels: train.channels, height: train.height, width: train.width)
        let sizes = ClassStatistics(labels: train.labels, classCount: classCount).counts
        network.configureOptimizer(cfg.optimizer ?? .legacy)
        // Every iteration draws |X_train| images (the samplers keep the budget), so the step count is known
        // before training and the per-step schedule can run to its end point.
        let stepsPerIteration = (train.count + cfg.batchSize - 1) / cfg.batchSize
        let totalSteps = stepsPerIteration * cfg.iterations
        var globalStep = 0
        var average = cfg.averageDecay.map { WeightAverage(decay: $0) }
        for i in 0..<cfg.iterations {
            let t0 = Date()
            let draws = sampler.draw(iteration: i, rng: &drawRNG)
            var counts = [Int](repeating: 0, count: classCount)  // N_{i,·} as drawn
            for d in draws { counts[train.labels[d]] += 1 }
            let iterationLR = cfg.learningRate(step: globalStep, of: totalSteps, iteration: i)
            let repeated = (0..<classCount).map { counts[$0] >= (cfg.rareRepeat ?? 20) * max(1, sizes[$0]) }
            let stageBefore = network.stage
            network.beginIteration(i, of: cfg.iterations)
            if network.stage > stageBefore, stageStart == nil, let last = history.last {
                stageStart = (last.referenceMacroF1, i - 1, network.snapshot())
            }
            var lossSum = 0.0, steps = 0
            var start = 0
            while start < draws.count {
                let n = min(cfg.batchSize, draws.count - start)
                var labels = [Int](repeating: 0, count: n)
                var weights: [Float]? = classWeights == nil ? nil : [Float](repeating: 1, count: n)
                if batch.count != n * per { batch = [Float](repeating: 0, count: n * per) }
                let lr = cfg.learningRate(step: min(globalStep, totalSteps - 1), of: totalSteps, iteration: i)
                for k in 0..<n {
                    let idx = draws[start + k]
                    labels[k] = train.labels[idx]
                    if let classWeights { weights![k] = classWeights[labels[k]] }
                    let src = train.variants > 1 ? train.image(idx, variant: augRNG.below(train.variants)) : train.image(idx)
                    let augmentation = repeated[labels[k]] ? cfg.rareAugmentation ?? cfg.augmentation : cfg.augmentation
                    if augmentation.isIdentity {
                        scratch = src
                    } else {
                        let d = augmentation.draw(width: src.width, height: src.height) { augRNG.unit() }
                        Augmentation.apply(d, to: src, into: &scratch)
                    }
                    normalization.write(scratch.pixels, channels: train.channels, into: &batch, at: k * per)
                }
                if let mixup {
                    let mix = mixup.apply(to: &batch, labels: labels, per: per, rng: &mixRNG)
                    lossSum += Double(try network.trainStep(inputs: batch, labels: labels, mix: mix, sampleWeights: weights,
                                                            learningRate: lr))
                } else {
                    lossSum += Double(try network.trainStep(inputs: batch, labels: labels, sampleWeights: weights,
                                                            learningRate: lr))
                }
                steps += 1
                globalStep += 1
                start += n
                average?.update(with: network.snapshot())
            }
            let m = try Self.evaluate(network, inputs: refInputs, truth: reference.labels, classCount: classCount)
            sampler.observe(referenceF1: m.f1)
            let rec = IterationRecord(iteration: i + 1, counts: counts, learningRate: iterationLR,
                                      meanLoss: lossSum / Double(max(steps, 1)), referenceF1: m.f1,
                                      referenceMacroF1: m.macroF1, seconds: Date().timeIntervalSince(t0))
            history.append(rec)
            progress?(rec, cfg.iterations)
            if m.macroF1 > best.f1 + 1e-9 {
                best = (m.macroF1, i, cfg.keep == .best ? network.snapshot() : [])
            } else if cfg.sampler.usesDynamicSampling && i - best.iteration >= cfg.patience {
                break  // Algorithm 1: IsFullyTrained
            }
        }
        var kept = history.count - 1
        if let average, cfg.keep == .last, !average.average.isEmpty { network.restore(average.average) }
        if cfg.keep == .best && best.iteration >= 0 && best.iteration != kept {
            network.restore(best.snapshot)
            kept = best.iteration
        }
        var revert: StageRevert?
        if let start = stageStart, kept > start.iteration {
            // Scored again rather than read from the history: with `--average` the kept weights are the average.
            let now = try Self.evaluate(network, inputs: refInputs, truth: reference.labels, classCount: classCount).macroF1
            if now < start.f1 {
                network.restore(start.snapshot)
                revert = StageRevert(earlierMacroF1: start.f1, laterMacroF1: now, keptIteration: start.iteration)
                kept = start.iteration
            }
        }
        return Result(history: history, keptIteration: kept, bestIteration: best.iteration, stageRevert: revert)
    }

    /// Metrics of `network` on normalized inputs.
    public static func evaluate(_ network: any TrainableNetwork, inputs: [Float], truth: [Int],
                                classCount: Int) throws -> ClassificationMetrics {
        let scores = try network.scores(inputs: inputs, count: truth.count)
        return ClassificationMetrics(truth: truth, predicted: scores.map(Fusion.argmax), classCount: classCount)
    }
}

extension SamplerKind {
    /// Whether this regime runs Algorithm 1's count update (and its stopping rule).
    public var usesDynamicSampling: Bool { self == .dynamic || self == .fused }
}
