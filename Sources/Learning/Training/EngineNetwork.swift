import CamsiftCore
import Foundation
import NN
import Serving

/// A `TrainableNetwork` on the NN engine: a `Sequential` trained with SGD (momentum 0.9, weight decay 5e-4)
/// on `SoftmaxCrossEntropy` with per-sample weights, through `DataParallelTrainer` (one replica per engine thread,
/// so a step costs one fork-join instead of one per layer and pass). Two shapes:
/// - `small-cnn`: NN.SmallCNN from scratch (28–64 px inputs);
/// - `effnet-lite0-head`: the level-1 transfer head, Dense 1280 → C on frozen, cached EfficientNet-Lite0
///   features. Saved as a complete effnet-lite0 model file (the backbone's tensors + this classifier), so
///   the pipeline runs it like the ImageNet model.
/// - `effnet-lite0-top`: level 2 (EngineNetwork+EffnetTop.swift): the top k blocks + head conv + classifier on
///   cached trunk outputs, head first, then the blocks too (rate × `--fine-tune-lr-scale`); saved the same way.
public final class EngineNetwork: TrainableNetwork {
    public let inputShape: (channels: Int, height: Int, width: Int)
    public let classCount: Int
    public let architecture: String
    let model: Sequential
    let optimizer: SGD
    let trainer: DataParallelTrainer
    /// For transfer networks: the backbone file whose trained tensors are replaced on save.
    let backbonePath: String?
    /// Level-2 schedule (`effnet-lite0-top` only); nil = every parameter trains at the given rate.
    var fineTuning: FineTuning?
    /// Multiplies the trainer's learning rate (level 2 of the transfer schedule: `FineTuning.learningRateScale`).
    var learningRateScale: Float = 1
    /// For `small-cnn` networks: which layout `save` records.
    var smallLayout: SmallCNN.Layout = .vgg
    /// For level-1 heads trained on features of another input side than the backbone file's (the companion on
    /// small archive images): the side `save` records, so serving frames images as training did.
    var servedInputSide: Int?

    /// `makeReplica(k)` builds another instance of `model`'s architecture for data-parallel shard k (its weights
    /// are overwritten from `model` every step).
    init(model: Sequential, architecture: String, inputShape: (Int, Int, Int), classCount: Int, backbonePath: String? = nil,
         makeReplica: @escaping (Int) throws -> Sequential) {
        self.model = model
        self.architecture = architecture
        self.inputShape = inputShape
        self.classCount = classCount
        self.backbonePath = backbonePath
        optimizer = SGD(model, learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4)
        // Replicas from the training thread budget at creation, so a run's numbers depend on `--threads` only.
        let replicas = LearningThreads.count > 0 ? LearningThreads.count : NNThreads.count
        trainer = DataParallelTrainer(model: model, optimizer: optimizer, replicas: replicas, makeReplica: makeReplica)
    }

    /// A fresh SmallCNN.
    public static func smallCNN(channels: Int, size: Int, classCount: Int, seed: UInt64,
                                layout: SmallCNN.Layout = .vgg, initialization: SmallCNN.Initialization = .he) throws -> EngineNetwork {
        let m = try SmallCNN.make(inputChannels: channels, inputSize: size, classes: classCount, layout: layout, seed: seed,
                                  initialization: initialization)
        let net = EngineNetwork(model: m, architecture: "small-cnn", inputShape: (channels, size, size), classCount: classCount) { _ in
            try SmallCNN.make(inputChannels: channels, inputSize: size, classes: classCount, layout: layout, seed: seed)
        }
        net.smallLayout = layout
        return net
    }

    /// A fresh transfer head on `features`-d backbone features.
    public static func head(features: Int, classCount: Int, seed: UInt64, backbone: String) -> EngineNetwork {
        var rng = SeededGenerator(seed: seed)
        let m = Sequential([("classifier", Dense(features, classCount, gain: 0.5, rng: &rng))])
        return EngineNetwork(model: m, architecture: "effnet-lite0-head", inputShape: (features, 1, 1),
                             classCount: classCount, backbonePath: backbone) { _ in
            var rng = SeededGenerator(seed: seed)
            return Sequential([("classifier", Dense(features, classCount, gain: 0.5, rng: &rng))])
        }
    }

    public func beginIteration(_ i: Int, of total: Int) { applyFineTuning(iteration: i, of: total) }

    public func setTrainingLogitOffsets(_ offsets: [Float]?) throws { trainer.logitOffsets = offsets }

    public func configureOptimizer(_ settings: OptimizerSettings) {
        optimizer.momentum = settings.momentum
        optimizer.nesterov = settings.nesterov && settings.momentum > 0
        optimizer.weightDecay = settings.weightDecay
        optimizer.decoupledWeightDecay = settings.decoupledWeightDecay
        optimizer.decayAll = settings.decayAll
    }

    public func trainStep(inputs: [Float], labels: [Int], sampleWeights: [Float]?, learningRate: Float) throws -> Float {
        try step(inputs, labels: labels, mix: nil, sampleWeights: sampleWeights, learningRate: learningRate)
    }

    public func trainStep(inputs: [Float], labels: [Int], mix: MixedLabels, sampleWeights: [Float]?,
                          learningRate: Float) throws -> Float {
        try step(inputs, labels: labels, mix: mix, sampleWeights: sampleWeights, learningRate: learningRate)
    }

    private func step(_ inputs: [Float], labels: [Int], mix: MixedLabels?, sampleWeights: [Float]?,
                      learningRate: Float) throws -> Float {
        let x = Tensor(shape: Shape(n: labels.count, c: inputShape.channels, h: inputShape.height, w: inputShape.width), values: inputs)
        optimizer.learningRate = learningRate * learningRateScale
        return try trainer.step(x, labels: labels, sampleWeights: sampleWeights, mix: mix)
    }

    public func probabilities(inputs: [Float], count: Int) throws -> [Float] {
        let x = Tensor(shape: Shape(n: count, c: inputShape.channels, h: inputShape.height, w: inputShape.width), values: inputs)
        return try model.predictProbabilities(x)
    }

    public func freezeAll(except prefixes: [String]) throws {
        let parameters = model.parameters()
        guard parameters.contains(where: { p in prefixes.contains { p.0.hasPrefix($0) } }) else {
            throw LearningError(.badArgument, "\(architecture) has no parameters named \(prefixes.joined(separator: ", "))…")
        }
        for (name, p) in parameters { p.isFrozen = !prefixes.contains { name.hasPrefix($0) } }
    }

    public func snapshot() -> [[Float]] { model.namedParameters().map { $0.1.array } }

    public func restore(_ s: [[Float]]) {
        for (t, values) in zip(model.namedParameters().map(\.1), s) {
            values.withUnsafeBufferPointer { t.pointer.update(from: $0.baseAddress!, count: values.count) }
        }
    }

    public func save(to path: String, classes: [String], metadata: [String: String]) throws {
        let tensors = model.namedParameters().map { ModelFile.NamedTensor(name: $0.0, shape: $0.1.shape.dims, values: $0.1.array) }
        if let backbonePath {
            // A complete effnet-lite0 file: the backbone's tensors with the trained ones (the classifier; for
            // level 2 also the top blocks and head conv) replaced by name.
            let b = try ModelFile.read(path: backbonePath)
            var arch = b.architectureObject()
            let features = model.namedParameters().first { $0.0 == "classifier.weight" }?.1.shape.dims[1] ?? inputShape.channels
            arch["classifier"] = ["in": features, "out": classCount]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: arch, options: [.sortedKeys]), as: UTF8.self)
            let trained = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let all = b.tensors.map { trained[$0.name] ?? $0 }
            guard Set(all.map(\.name)).isSuperset(of: trained.keys) else {
                throw LearningError(.badBundle, "\(architecture): trained tensors missing from backbone '\(backbonePath)'")
            }
            let f = try ModelFile(architectureJSON: json, classes: classes, normalization: b.normalization,
                                  inputSize: servedInputSide.map { [$0, $0] } ?? b.inputSize, metadata: b.metadata.merging(metadata) { _, new in new }, tensors: all)
            try f.write(path: path)
            return
        }
        let json = SmallCNN.architectureJSON(inputChannels: inputShape.channels, inputSize: inputShape.height,
                                             classes: classCount, layout: smallLayout)
        let f = try ModelFile(architectureJSON: json, classes: classes,
                              normalization: ModelFile.Normalization(mean: [0], std: [1]),
                              inputSize: [inputShape.height, inputShape.width], metadata: metadata, tensors: tensors)
        try f.write(path: path)
    }

    /// Loads a network saved by `save`: a small-cnn file, or the classifier of an effnet-lite0 file as a head.
    public static func load(path: String) throws -> EngineNetwork {
        let f = try ModelFile.read(path: path)
        let k = f.classes.count
        switch f.architectureName {
        case "small-cnn":
            let o = f.architectureObject()
            guard let ch = o["inputChannels"] as? Int, let size = o["inputSize"] as? Int else {
                throw LearningError(.badBundle, "'\(path)': small-cnn description lacks inputChannels/inputSize; retrain")
            }
            let net = try smallCNN(channels: ch, size: size, classCount: k, seed: 0, layout: try SmallCNN.layout(of: o))
            try net.model.load(named: f.tensors.map { ($0.name, Tensor(shape: Shape($0.shape), values: $0.values)) })
            return net
        case "effnet-lite0":
            let w = try f.tensor("classifier.weight"), b = try f.tensor("classifier.bias")
            let net = head(features: w.shape[1], classCount: k, seed: 0, backbone: path)
            try net.model.load(named: [("classifier.weight", Tensor(shape: Shape(w.shape), values: w.values)),
                                       ("classifier.bias", Tensor(shape: Shape(b.shape), values: b.values))])
            return net
        default:
            throw LearningError(.badBundle, "'\(path)' holds a '\(f.architectureName)' model; bundles hold small-cnn or effnet-lite0")
        }
    }
}
