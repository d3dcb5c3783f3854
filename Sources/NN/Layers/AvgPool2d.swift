/// Mean over k×k windows. `countIncludePad` follows PyTorch (default true: divide by k·k); false divides by the
/// number of real pixels in the window (TensorFlow's "same" average pooling).
public final class AvgPool2d: Layer {
    public let kernel: (Int, Int), stride: (Int, Int)
    public let padding: PaddingMode
    public let countIncludePad: Bool
    public var needsInputGradient = true
    var geometry: WindowGeometry?
    var inputShape: Shape?
    var outputCache = TensorCache(), gradInputCache = TensorCache()

    public init(kernel: Int, stride: Int? = nil, padding: PaddingMode = .explicit(.zero),
                countIncludePad: Bool = true) {
        precondition(kernel >= 1 && (stride ?? 1) >= 1, "AvgPool2d: kernel and stride must be ≥ 1")
        self.kernel = (kernel, kernel)
        self.stride = (stride ?? kernel, stride ?? kernel)
        self.padding = padding
        self.countIncludePad = countIncludePad
    }

    func resolve(_ s: Shape) throws -> WindowGeometry {
        try WindowGeometry(inH: s.h, inW: s.w, kernel: kernel, stride: stride, dilation: (1, 1), padding: padding,
                           layer: "AvgPool2d(\(kernel.0))")
    }

    public func outputShape(for input: Shape) throws -> Shape {
        let g = try resolve(input)
        return Shape(n: input.n, c: input.c, h: g.outH, w: g.outW)
    }

    /// Window bounds clipped to the image, and the divisor for that window.
    @inline(__always)
    func window(_ g: WindowGeometry, _ oy: Int, _ ox: Int) -> (Range<Int>, Range<Int>, Float) {
        let y0 = oy * g.strideH - g.pad.top, x0 = ox * g.strideW - g.pad.left
        let ys = Swift.max(0, y0)..<Swift.min(g.inH, y0 + g.kH)
        let xs = Swift.max(0, x0)..<Swift.min(g.inW, x0 + g.kW)
        let divisor: Float
        if countIncludePad {
            // PyTorch counts padded positions but not the overhang past the padding.
            let yEnd = Swift.min(y0 + g.kH, g.inH + g.pad.bottom), xEnd = Swift.min(x0 + g.kW, g.inW + g.pad.right)
            divisor = Float((yEnd - y0) * (xEnd - x0))
        } else {
            divisor = Float(Swift.max(ys.count * xs.count, 1))
        }
        return (ys, xs, divisor)
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        try requireImage(x, channels: nil, layer: "AvgPool2d")
        let g = try resolve(x.shape)
        let planes = x.shape.n * x.shape.c
        let out = outputCache.tensor(Shape(n: x.shape.n, c: x.shape.c, h: g.outH, w: g.outW))
        let src = x.pointer, dst = out.pointer
        NNThreads.parallelChunks(planes, grain: Swift.max(1, 8192 / Swift.max(g.outPlane, 1))) { r in
            for plane in r {
                let xp = src + plane * g.inPlane, yp = dst + plane * g.outPlane
                for oy in 0..<g.outH {
                    for ox in 0..<g.outW {
                        let (ys, xs, divisor) = self.window(g, oy, ox)
                        var sum: Float = 0
                        for y in ys { for xx in xs { sum += xp[y * g.inW + xx] } }
                        yp[oy * g.outW + ox] = sum / divisor
                    }
                }
            }
        }
        geometry = g
        inputShape = x.shape
        return out
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        guard let g = geometry, let shape = inputShape else {
            throw NNError(code: .invalidArgument, message: "AvgPool2d: backward without forward")
        }
        try requireGradShape(dy, Shape(n: shape.n, c: shape.c, h: g.outH, w: g.outW), layer: "AvgPool2d")
        let dx = gradInputCache.tensor(shape)
        let gp = dy.pointer, dp = dx.pointer
        NNThreads.parallelChunks(shape.n * shape.c, grain: Swift.max(1, 8192 / Swift.max(g.inPlane, 1))) { r in
            for plane in r {
                let d = dp + plane * g.inPlane, gy = gp + plane * g.outPlane
                d.update(repeating: 0, count: g.inPlane)
                for oy in 0..<g.outH {
                    for ox in 0..<g.outW {
                        let (ys, xs, divisor) = self.window(g, oy, ox)
                        let v = gy[oy * g.outW + ox] / divisor
                        for y in ys { for xx in xs { d[y * g.inW + xx] += v } }
                    }
                }
            }
        }
        return dx
    }
}
