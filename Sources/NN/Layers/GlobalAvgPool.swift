/// Mean over H×W per channel: [N, C, H, W] → [N, C] (the pooled feature vector a classifier head reads;
/// EfficientNet-Lite0's 1280-d features). Backward spreads dY / (H·W) over the plane.
public final class GlobalAvgPool: Layer {
    public var needsInputGradient = true
    var inputShape: Shape?
    var outputCache = TensorCache(), gradInputCache = TensorCache()

    public init() {}

    public func outputShape(for input: Shape) throws -> Shape { Shape(rows: input.n, columns: input.c) }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        try requireImage(x, channels: nil, layer: "GlobalAvgPool")
        let plane = x.shape.h * x.shape.w, rows = x.shape.n * x.shape.c
        let out = outputCache.tensor(Shape(rows: x.shape.n, columns: x.shape.c))
        let src = x.pointer, dst = out.pointer, scale = 1 / Float(plane)
        NNThreads.parallelChunks(rows, grain: Swift.max(1, 16_384 / plane)) { r in
            for i in r {
                let p = src + i * plane
                var sum: Float = 0
                for j in 0..<plane { sum += p[j] }
                dst[i] = sum * scale
            }
        }
        inputShape = x.shape
        return out
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        guard let shape = inputShape else { throw NNError(code: .invalidArgument,
            message: "GlobalAvgPool: backward without forward") }
        try requireGradShape(dy, Shape(rows: shape.n, columns: shape.c), layer: "GlobalAvgPool")
        let plane = shape.h * shape.w
        let dx = gradInputCache.tensor(shape)
        let g = dy.pointer, d = dx.pointer, scale = 1 / Float(plane)
        NNThreads.parallelChunks(shape.n * shape.c, grain: Swift.max(1, 16_384 / plane)) { r in
            for i in r {
                let v = g[i] * scale
                (d + i * plane).update(repeating: v, count: plane)
            }
        }
        return dx
    }
}
