import NN

/// What the trainer needs from a network, whatever engine runs it: one optimiser step on a batch, class
/// probabilities for a batch, a parameter snapshot (to keep the best iteration), and saving as a model
/// file. Inputs are normalized NCHW floats, `count × inputCount` values.
///
/// Implementations are confined to the training thread (not Sendable).
public protocol TrainableNetwork: AnyObject {
    /// Channels, height, width of one input.
    var inputShape: (channels: Int, height: Int, width: Int) { get }
    var classCount: Int { get }
    /// Architecture name written to the bundle ("small-cnn", "effnet-lite0-head", ...).
    var architecture: String { get }

    /// Called before iteration `i` (0-based) of `total`: networks with a staged schedule (level-2 transfer
    /// learning unfreezes its top blocks part-way) switch stage here.
    func beginIteration(_ i: Int, of total: Int)

    /// The training stage the network is in after `beginIteration` (0 for single-stage networks; level-2
    /// transfer: 1 once its top blocks train). When it rises, `Trainer` keeps the earlier stage's weights and
    /// restores them if the later stage ends below them on the reference split (`Trainer.StageRevert`).
    var stage: Int { get }

    /// Per-class offsets added to the logits inside the training loss only (logit-adjusted loss); nil = none.
    func setTrainingLogitOffsets(_ offsets: [Float]?) throws

    /// Momentum, Nesterov and weight decay for the steps that follow (the trainer sets them before training).
    func configureOptimizer(_ settings: OptimizerSettings)

    /// One step of SGD/Adam on the batch with softmax cross-entropy; `sampleWeights` multiply each image's
    /// loss (class weighting). Returns the mean (weighted) loss.
    func trainStep(inputs: [Float], labels: [Int], sampleWeights: [Float]?, learningRate: Float) throws -> Float

    /// One step on a mixup batch (`Trainer` mixes the inputs; `mix` carries the partner labels and λ).
    func trainStep(inputs: [Float], labels: [Int], mix: MixedLabels, sampleWeights: [Float]?,
                   learningRate: Float) throws -> Float

    /// Freezes every parameter whose name starts with none of `prefixes`.
    func freezeAll(except prefixes: [String]) throws

    /// Softmax probabilities, `count × classCount`, row-major.
    func probabilities(inputs: [Float], count: Int) throws -> [Float]

    /// A copy of every trainable tensor and buffer, for `restore`.
    func snapshot() -> [[Float]]
    func restore(_ snapshot: [[Float]])

    /// Writes the model file (temp + fsync + rename) with the given class names and metadata.
    func save(to path: String, classes: [String], metadata: [String: String]) throws
}

extension TrainableNetwork {
    public func trainStep(inputs: [Float], labels: [Int], mix: MixedLabels, sampleWeights: [Float]?,
                          learningRate: Float) throws -> Float {
        throw LearningError(.badArgument, "\(architecture) does not support mixup; use --arch small or drop --mixup / --m1-mixup")
    }

    public func beginIteration(_ i: Int, of total: Int) {}

    public var stage: Int { 0 }

    /// Networks with their own fixed optimiser (the linear baseline) ignore the settings.
    public func configureOptimizer(_ settings: OptimizerSettings) {}

    /// Freezes every parameter whose name starts with none of `prefixes` (M1's classifier re-training).
    public func freezeAll(except prefixes: [String]) throws {
        throw LearningError(.badArgument, "\(architecture) cannot train only its head; use --arch small or --m1-train all")
    }

    public func setTrainingLogitOffsets(_ offsets: [Float]?) throws {
        guard offsets == nil else {
            throw LearningError(.badArgument, "\(architecture) does not support the logit-adjusted loss; use --arch small or effnet-lite0")
        }
    }

    public var inputCount: Int { inputShape.channels * inputShape.height * inputShape.width }

    /// Probabilities for many inputs, in batches of `batchSize`, as one row per image.
    public func scores(inputs: [Float], count: Int, batchSize: Int = 256) throws -> [[Float]] {
        var out: [[Float]] = []
        out.reserveCapacity(count)
        let per = inputCount
        var start = 0
        while start < count {
            let n = min(batchSize, count - start)
            let p = try probabilities(inputs: Array(inputs[(start * per)..<((start + n) * per)]), count: n)
            for i in 0..<n { out.append(Array(p[(i * classCount)..<((i + 1) * classCount)])) }
            start += n
        }
        return out
    }
}
