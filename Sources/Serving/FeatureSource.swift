import CamsiftCore

/// A frame classifier that also hands out, from the same pass, each frame's pooled backbone features — what the
/// window model (issue 18) reads. Pouyanfar, Chen & Shyu classify *sequences of pretrained-CNN features* (§III-B):
/// the serving EfficientNet already computes them for every frame, so a window costs no second CNN pass.
///
/// `backboneDigest` names the weights that produced the features (`BackboneDigest`): a window model trained on
/// one backbone's features is only run on frames of that backbone (the ImageNet model, or a bundle whose models
/// kept the ImageNet backbone frozen).
public protocol FeatureSource: FrameClassifier {
    var backboneDigest: String { get }
    /// Features per frame (1280 for EfficientNet-Lite0).
    var featureCount: Int { get }
    /// `classify(_:)` plus the frames' pooled features, `frames.count × featureCount`, row-major, into `features`
    /// (replaced).
    func classify(_ frames: [DecodedFrame], features: inout [Float]) throws -> [Prediction]
    /// The same with the frames framed at `companionGeometry` for a companion member (nil: refitted).
    func classify(_ frames: [DecodedFrame], companion: [DecodedFrame]?, features: inout [Float]) throws -> [Prediction]
}

extension FeatureSource {
    public func classify(_ frames: [DecodedFrame], companion: [DecodedFrame]?, features: inout [Float]) throws -> [Prediction] {
        try classify(frames, features: &features)
    }
}
