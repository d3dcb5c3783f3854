import CamsiftCore
import NN

/// Minibatch training of a window classifier (`NN.WindowNetwork`: the residual BiLSTM of Pouyanfar, Chen & Shyu,
/// "Deep Spatio-Temporal Representation Learning for Multi-Class Imbalanced Data Classification", or its plain
/// LSTM baseline) on fixed-length sequences `[N, α, F]`, with Adam, L2 weight decay and softmax cross-entropy,
/// optionally class-weighted. Oversampling (Algorithm 1) happens before, in `TemporalOversampler`: the trainer
/// sees whatever set it is given, once per epoch in a seeded random order.
///
/// Works on any `Layer` mapping `[N, T, F]` to logits `[N, classes]`. Synchronous, on the caller's thread.
public final class WindowTrainer {
    public let configuration: WindowTrainingConfiguration
    /// Called after every epoch with (epoch 1-based, mean training loss).
    public var progress: ((Int, Double) -> Void)?

    public init(configuration: WindowTrainingConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
    }

    /// Per-epoch mean loss of a run.
    public struct Result: Sendable {
        public var epochLosses: [Double]
        public var classWeights: [Float]?
    }

    /// Trains `model` in place on `train` (every sequence must have the same length).
    @discardableResult
    public func train(_ model: any Layer, on train: SequenceSet) throws -> Result {
        let cfg = configuration
        let steps = try Self.commonLength(train)
        let f = train.featureCount, per = steps * f
        let weights = cfg.classWeighting
            ? ClassStatistics(labels: train.labels, classCount: train.classCount).inverseFrequencyWeights : nil
        let adam = Adam(model, learningRate: cfg.learningRate, weightDecay: cfg.weightDecay)
        let loss = SoftmaxCrossEntropy()
        var rng = SeededGenerator(seed: cfg.seed, stream: "window-batches")
        var order = Array(0..<train.count)
        var losses: [Double] = []
        for epoch in 1...cfg.epochs {
            rng.shuffle(&order)
            var sum = 0.0, batches = 0
            var start = 0
            while start < order.count {
                let n = min(cfg.batchSize, order.count - start)
                // A trailing batch of one cannot be batch-normalised (variance 0); it joins the next epoch's draw.
                if n < 2 { break }
                let idx = order[start..<(start + n)]
                var values = [Float](repeating: 0, count: n * per)
                for (k, i) in idx.enumerated() {
                    values.withUnsafeMutableBufferPointer { dst in
                        train.sequences[i].withUnsafeBufferPointer { src in
                            (dst.baseAddress! + k * per).update(from: src.baseAddress!, count: per)
                        }
                    }
                }
                let x = Tensor(shape: Shape([n, steps, f]), values: values)
                adam.zeroGrad()
                let logits = try model.forward(x, training: true)
                sum += Double(try loss.forward(logits, labels: idx.map { train.labels[$0] }, classWeights: weights))
                _ = try model.backward(try loss.backward())
                adam.step()
                batches += 1
                start += n
            }
            let mean = sum / Double(max(batches, 1))
            guard mean.isFinite else {
                throw LearningError(.badArgument,
                    "window training diverged at epoch \(epoch) (loss \(mean)); lower the learning rate")
            }
            losses.append(mean)
            progress?(epoch, mean)
        }
        return Result(epochLosses: losses, classWeights: weights)
    }

    /// Logits `[count][classes]` of `model` (inference mode: running BatchNorm statistics, no dropout).
    public static func logits(_ model: any Layer, on set: SequenceSet, batchSize: Int = 64) throws -> [[Float]] {
        let steps = try commonLength(set)
        let f = set.featureCount, per = steps * f
        var out: [[Float]] = []
        out.reserveCapacity(set.count)
        var start = 0
        while start < set.count {
            let n = min(batchSize, set.count - start)
            var values = [Float](repeating: 0, count: n * per)
            for k in 0..<n { values.replaceSubrange((k * per)..<((k + 1) * per), with: set.sequences[start + k]) }
            let y = try model.forward(Tensor(shape: Shape([n, steps, f]), values: values), training: false)
            let c = y.count / n, a = y.array
            for k in 0..<n { out.append(Array(a[(k * c)..<((k + 1) * c)])) }
            start += n
        }
        return out
    }

    /// The paper's metrics (accuracy, macro F1, weighted F1) of `model` on `set`.
    public static func evaluate(_ model: any Layer, on set: SequenceSet) throws -> ClassificationMetrics {
        let predicted = try logits(model, on: set).map { row in row.indices.max { row[$0] < row[$1] } ?? 0 }
        return ClassificationMetrics(truth: set.labels, predicted: predicted, classCount: set.classCount)
    }

    static func commonLength(_ set: SequenceSet) throws -> Int {
        guard set.count > 0 else { throw LearningError(.badArgument, "window training: the sequence set is empty") }
        let t = set.length(0)
        guard (0..<set.count).allSatisfy({ set.length($0) == t }) else {
            let r = set.lengthRange
            throw LearningError(.badArgument, "window training: sequences have \(r.min)…\(r.max) steps; bring them "
                + "to one length α first (TemporalOversampler.oversample / resampleEvenly)")
        }
        return t
    }
}
