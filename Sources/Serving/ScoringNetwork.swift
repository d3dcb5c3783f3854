import CamsiftCore
import NN

/// A network that scores a batch: normalised model-input tensors (NCHW, `n × geometry.elementCount`) in,
/// class probabilities (`n × classCount`, row-major) out. What a `FrameClassifier` is built from; confined to
/// one thread (networks keep preallocated workspaces).
public protocol ScoringNetwork: AnyObject {
    var classCount: Int { get }
    func probabilities(_ inputs: UnsafeBufferPointer<Float>, n: Int) throws -> [Float]
}

/// A from-scratch `small-cnn` model file served by NN's `Sequential` in inference mode.
public final class SequentialScorer: ScoringNetwork {
    public let classCount: Int
    public let channels: Int
    public let size: Int
    private let model: Sequential

    public init(modelFile f: ModelFile, path: String) throws(ServingError) {
        guard f.architectureName == "small-cnn" else {
            throw ServingError(.badModel, "'\(path)' holds a '\(f.architectureName)' model; bundles hold small-cnn or effnet-lite0")
        }
        let o = f.architectureObject()
        guard let ch = o["inputChannels"] as? Int, let size = o["inputSize"] as? Int else {
            throw ServingError(.badModel, "'\(path)': small-cnn description lacks inputChannels/inputSize; retrain")
        }
        do {
            model = try SmallCNN.make(inputChannels: ch, inputSize: size, classes: f.classes.count,
                                      layout: try SmallCNN.layout(of: o), seed: 0)
            try model.load(named: f.tensors.map { ($0.name, Tensor(shape: Shape($0.shape), values: $0.values)) })
        } catch {
            throw ServingError(.badModel, "cannot load '\(path)' as small-cnn", cause: error)
        }
        classCount = f.classes.count
        channels = ch
        self.size = size
    }

    public func probabilities(_ inputs: UnsafeBufferPointer<Float>, n: Int) throws -> [Float] {
        let x = Tensor(shape: Shape(n: n, c: channels, h: size, w: size),
                       values: Array(inputs.prefix(n * channels * size * size)))
        return try model.predictProbabilities(x)
    }
}

/// A whole EfficientNet-Lite0 (ImageNet, or a bundle model whose backbone differs from its partner's).
public final class EfficientNetScorer: ScoringNetwork {
    public let network: EfficientNetLite0
    public var classCount: Int { network.classCount }

    public init(_ network: EfficientNetLite0) { self.network = network }

    public func probabilities(_ inputs: UnsafeBufferPointer<Float>, n: Int) throws -> [Float] {
        let logits = network.logits(batch: inputs, n: n)
        return EfficientNetScorer.softmaxRows(logits, n: n, k: classCount)
    }

    static func softmaxRows(_ logits: [Float], n: Int, k: Int) -> [Float] {
        logits.withUnsafeBufferPointer { l in
            (0..<n).flatMap { TopK.softmax(UnsafeBufferPointer(rebasing: l[$0 * k..<($0 + 1) * k])) }
        }
    }
}
