/// min(max(0, x), 6) (Howard et al. 2017, MobileNets §3; EfficientNet-Lite's activation). Backward passes dY
/// where 0 < x < 6.
public final class ReLU6: Layer {
    public var needsInputGradient = true
    var input: Tensor?
    var outputCache = TensorCache(), gradInputCache = TensorCache()

    public init() {}

    public func outputShape(for input: Shape) throws -> Shape { input }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        let out = outputCache.tensor(x.shape)
        let src = x.pointer, dst = out.pointer
        NNThreads.parallelChunks(x.count, grain: 1 << 15) { r in
            for i in r { dst[i] = Swift.min(Swift.max(src[i], 0), 6) }
        }
        input = training ? x : nil
        return out
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        let x = try requireSaved(input, layer: "ReLU6")
        try requireGradShape(dy, x.shape, layer: "ReLU6")
        let dx = gradInputCache.tensor(x.shape)
        let xp = x.pointer, g = dy.pointer, d = dx.pointer
        NNThreads.parallelChunks(x.count, grain: 1 << 15) { r in
            VectorKernels.gate(g + r.lowerBound, xp + r.lowerBound, d + r.lowerBound, r.count, lo: 0, hi: 6)
        }
        return dx
    }
}
