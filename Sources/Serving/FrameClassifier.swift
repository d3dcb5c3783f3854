import CamsiftCore

/// One model's answer for one frame.
public struct Prediction: Sendable, Equatable {
    public var label: String
    public var score: Double
    /// `M0`, `M1`, `fused`, or `single`.
    public var via: String
    /// Top-k (label, score), best first.
    public var top: [ClassificationRecord.LabelScore]
    /// Each served model's own top label (`M0`, `M1`) when a bundle pools several; empty otherwise. The review
    /// queue's disagreement rule reads it: frames the two models see differently are the ones worth labelling.
    public var roles: [String: String]

    public init(label: String, score: Double, via: String, top: [ClassificationRecord.LabelScore],
                roles: [String: String] = [:]) {
        self.label = label
        self.score = score
        self.via = via
        self.top = top
        self.roles = roles
    }
}

/// The one vocabulary of serving: a `FrameClassifier` turns frames into predictions (what the inference thread,
/// `camsift classify`, `camsift eval` and the retrainer's promotion guard run), a `ScoringNetwork` turns a
/// batch of model-input tensors into class probabilities (what a `FrameClassifier` is built from). Training
/// has its own trainable networks in Learning; nothing here knows about them.
///
/// What the inference engine runs: the ImageNet EfficientNet-Lite0 before any training, or a trained M0+M1
/// bundle with its fusion rule. Implementations are used from one thread at a time (the inference thread);
/// `Sendable` lets a new model be handed to that thread for a hot swap.
public protocol FrameClassifier: AnyObject, Sendable {
    /// Model version written into every log line (e.g. a checksum prefix).
    var version: String { get }
    /// How frames must be framed for this classifier: ingest decodes straight to it.
    var geometry: InputGeometry { get }
    /// Classifies frames decoded at `geometry` (a frame of another size is refitted, see `ModelInput.refit`).
    func classify(_ frames: [DecodedFrame]) throws -> [Prediction]
    /// The cascade's cheap stage that runs before this classifier (issue 20), if its bundle carries one.
    var cheapStage: CheapStage? { get }
    /// A second framing each frame needs (a bundle's companion member, `CompanionSpec`), or nil.
    var companionGeometry: InputGeometry? { get }
    /// `classify(_:)` with the same frames framed at `companionGeometry` (nil: refitted from `frames`).
    func classify(_ frames: [DecodedFrame], companion: [DecodedFrame]?) throws -> [Prediction]
}

extension FrameClassifier {
    public var cheapStage: CheapStage? { nil }
    public var companionGeometry: InputGeometry? { nil }
    public func classify(_ frames: [DecodedFrame], companion: [DecodedFrame]?) throws -> [Prediction] { try classify(frames) }

    /// Input side the classifier expects.
    public var inputSize: Int { geometry.size }
}
