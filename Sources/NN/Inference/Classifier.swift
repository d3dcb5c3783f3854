import CamsiftCore

/// Something that labels frames: the pipeline's view of a model (EfficientNet-Lite0 on ImageNet, or a
/// trained bundle). Implementations are not required to be thread-safe; the pipeline confines each to
/// its inference thread.
public protocol Classifier: AnyObject {
    /// Labels in logit order.
    var classes: [String] { get }
    /// The `top` most probable labels per frame, best first, with softmax probabilities.
    func classify(frames: [DecodedFrame], top: Int) -> [[(label: String, score: Float)]]
}

extension Classifier {
    public func classify(frames: [DecodedFrame]) -> [[(label: String, score: Float)]] {
        classify(frames: frames, top: 5)
    }
}
