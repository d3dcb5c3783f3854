#if canImport(Glibc)
import Glibc
#endif

/// The logistic sigmoid σ(x) = 1 / (1 + e^−x), the activation of Eq. 1 in Yan, Chen, Shyu, Chen ("Deep Learning
/// for Imbalanced Multimedia Data Classification") used by its Table III network (`LowLevelCNN`). Backward uses
/// the saved output: dσ/dx = σ (1 − σ). Computed as e^x / (1 + e^x) for negative x so neither branch overflows.
public final class Sigmoid: Layer {
    public var needsInputGradient = true
    var output: Tensor?
    var outputCache = TensorCache(), gradInputCache = TensorCache()

    public init() {}

    public func outputShape(for input: Shape) throws -> Shape { input }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        let out = outputCache.tensor(x.shape)
        let src = x.pointer, dst = out.pointer
        NNThreads.parallelChunks(x.count, grain: 1 << 14) { r in
            for i in r { dst[i] = Sigmoid.sigmoid(src[i]) }
        }
        output = training ? out : nil
        return out
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        let y = try requireSaved(output, layer: "Sigmoid")
        try requireGradShape(dy, y.shape, layer: "Sigmoid")
        let dx = gradInputCache.tensor(y.shape)
        let yp = y.pointer, g = dy.pointer, d = dx.pointer
        NNThreads.parallelChunks(y.count, grain: 1 << 14) { r in
            for i in r { d[i] = g[i] * yp[i] * (1 - yp[i]) }
        }
        return dx
    }
}
