import CamsiftCore

/// One model's answer for one frame.
public struct Prediction: Sendable, Equatable {
    public var label: String
    public var score: Double
    /// `M0`, `M1`, `fused`, or `single`.
    public var via: String
    /// Top-k (label, score), best first.
    public var top: [ClassificationRecord.LabelScore]

    public init(label: String, score: Double, via: String, top: [ClassificationRecord.LabelScore]) {
        self.label = label
        self.score = score
        self.via = via
        self.top = top
    }
}

/// What the inference engine runs: the ImageNet EfficientNet-Lite0 before any training, or a trained M0+M1
/// bundle with Eq. 3 fusion. Implementations are used from the single inference thread only; `Sendable`
/// lets a new model be handed to that thread for a hot swap.
public protocol FrameClassifier: AnyObject, Sendable {
    /// Model version written into every log line (e.g. a checksum prefix).
    var version: String { get }
    /// Input side the classifier expects (frames are decoded to it by ingest).
    var inputSize: Int { get }
    func classify(_ frames: [DecodedFrame]) throws -> [Prediction]
}

/// Where classification records go (the JSON-lines log writer in production). Returns false when the
/// record could not be written (the writer counts and reports that itself).
public protocol ClassificationSink: Sendable {
    @discardableResult func append(_ record: ClassificationRecord) -> Bool
}

extension ClassificationLogWriter: ClassificationSink {}
