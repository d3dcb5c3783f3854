import CamsiftCore
/// Inverted dropout (Srivastava et al. 2014; scaling at training time so inference is the identity): in training
/// each element is zeroed with probability `p` and the rest scaled by 1/(1 − p). The mask comes from the layer's
/// own seeded generator, so a seeded run is reproducible.
public final class Dropout: Layer {
    public let p: Float
    public var needsInputGradient = true
    var rng: SeededGenerator
    let seed: UInt64
    var maskActive = false
    var outputCache = TensorCache(), maskCache = TensorCache(), gradInputCache = TensorCache()
    var inputShape: Shape?

    public init(_ p: Float, seed: UInt64 = 0x5EED) {
        precondition(p >= 0 && p < 1, "Dropout: p must be in [0, 1)")
        self.p = p
        self.seed = seed
        rng = SeededGenerator(seed: seed)
    }

    /// Restarts the mask stream as stream `stream` of this layer's seed: data-parallel replicas of one model
    /// need different masks that are still reproducible (stream 0 is the layer's own sequence).
    public func reseed(stream: UInt64) {
        rng = SeededGenerator(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
    }

    public func outputShape(for input: Shape) throws -> Shape { input }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        inputShape = x.shape
        guard training, p > 0 else {
            maskActive = false
            return x
        }
        let out = outputCache.tensor(x.shape), mask = maskCache.tensor(x.shape)
        let keep = 1 - p, scale = 1 / keep
        let m = mask.pointer, src = x.pointer, dst = out.pointer
        for i in 0..<x.count {
            let kept = rng.nextUnit() < keep
            m[i] = kept ? scale : 0
            dst[i] = src[i] * m[i]
        }
        maskActive = true
        return out
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        guard let shape = inputShape else { throw NNError(code: .invalidArgument,
            message: "Dropout: backward without forward") }
        try requireGradShape(dy, shape, layer: "Dropout")
        guard maskActive else { return dy }
        let dx = gradInputCache.tensor(shape)
        let m = maskCache.tensor(shape).pointer, g = dy.pointer, d = dx.pointer
        for i in 0..<shape.count { d[i] = g[i] * m[i] }
        return dx
    }
}
