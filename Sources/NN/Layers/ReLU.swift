/// max(0, x). Backward passes dY where the output is positive.
public final class ReLU: Layer {
    public var needsInputGradient = true
    var output: Tensor?
    var outputCache = TensorCache(), gradInputCache = TensorCache()

    public init() {}

    public func outputShape(for input: Shape) throws -> Shape { input }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        let out = outputCache.tensor(x.shape)
        let src = x.pointer, dst = out.pointer
        NNThreads.parallelChunks(x.count, grain: 1 << 15) { r in
            for i in r { dst[i] = Swift.max(src[i], 0) }
        }
        output = training ? out : nil
        return out
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        let y = try requireSaved(output, layer: "ReLU")
        try requireGradShape(dy, y.shape, layer: "ReLU")
        let dx = gradInputCache.tensor(y.shape)
        let yp = y.pointer, g = dy.pointer, d = dx.pointer
        NNThreads.parallelChunks(y.count, grain: 1 << 15) { r in
            VectorKernels.gate(g + r.lowerBound, yp + r.lowerBound, d + r.lowerBound, r.count, lo: 0, hi: .infinity)
        }
        return dx
    }
}
