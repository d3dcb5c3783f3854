import CamsiftCore
import NN

/// Adapts one NN `Classifier` (e.g. the ImageNet EfficientNet-Lite0 imported at set-up) to the pipeline:
/// top-5 per frame, `via: "single"`. Thread-confined to the inference thread (the network keeps its
/// preallocated workspace), hence `@unchecked Sendable`: it is only *moved* across threads by a hot swap.
public final class SingleModelClassifier: FrameClassifier, @unchecked Sendable {
    public let version: String
    public let inputSize: Int
    private let model: any Classifier
    private let top: Int

    public init(model: any Classifier, version: String, inputSize: Int, top: Int = 5) {
        self.model = model
        self.version = version
        self.inputSize = inputSize
        self.top = top
    }

    public func classify(_ frames: [DecodedFrame]) throws -> [Prediction] {
        model.classify(frames: frames, top: top).map { ranked in
            let best = ranked.first ?? (label: "unknown", score: 0)
            return Prediction(
                label: best.label, score: Double(best.score), via: "single",
                top: ranked.map { .init(label: $0.label, score: (Double($0.score) * 10000).rounded() / 10000) })
        }
    }
}
