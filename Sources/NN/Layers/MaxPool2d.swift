/// Max over k×k windows (padding reads as −∞, PyTorch semantics). Forward records the arg-max of each window so
/// backward routes dY to exactly that input (ties: the first in row-major order).
public final class MaxPool2d: Layer {
    public let kernel: (Int, Int), stride: (Int, Int)
    public let padding: PaddingMode
    public var needsInputGradient = true
    var geometry: WindowGeometry?
    var inputShape: Shape?
    var outputCache = TensorCache(), gradInputCache = TensorCache(), argmaxCache = TensorCache()

    /// `stride` defaults to the kernel size (non-overlapping windows), as in PyTorch.
    public init(kernel: Int, stride: Int? = nil, padding: PaddingMode = .explicit(.zero)) {
        precondition(kernel >= 1 && (stride ?? 1) >= 1, "MaxPool2d: kernel and stride must be ≥ 1")
        self.kernel = (kernel, kernel)
        self.stride = (stride ?? kernel, stride ?? kernel)
        self.padding = padding
    }

    func resolve(_ s: Shape) throws -> WindowGeometry {
        try WindowGeometry(inH: s.h, inW: s.w, kernel: kernel, stride: stride, dilation: (1, 1), padding: padding,
                           layer: "MaxPool2d(\(kernel.0))")
    }

    public func outputShape(for input: Shape) throws -> Shape {
        let g = try resolve(input)
        return Shape(n: input.n, c: input.c, h: g.outH, w: g.outW)
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        try requireImage(x, channels: nil, layer: "MaxPool2d")
        let g = try resolve(x.shape)
        let planes = x.shape.n * x.shape.c
        let out = outputCache.tensor(Shape(n: x.shape.n, c: x.shape.c, h: g.outH, w: g.outW))
        // Arg-max indices (within the input plane) stored as Float bit patterns of Int32 in a float buffer.
        let arg = UnsafeMutableRawPointer(argmaxCache.scratch(planes * g.outPlane))
            .assumingMemoryBound(to: Int32.self)
        let src = x.pointer, dst = out.pointer
        let fast2x2 = g.kH == 2 && g.kW == 2 && g.strideH == 2 && g.strideW == 2 && g.pad == .zero
        NNThreads.parallelChunks(planes, grain: Swift.max(1, 8192 / Swift.max(g.outPlane, 1))) { r in
            for plane in r where fast2x2 {
                MaxPool2d.pool2x2(src + plane * g.inPlane, g, dst + plane * g.outPlane, arg + plane * g.outPlane)
            }
            for plane in r where !fast2x2 {
                let xp = src + plane * g.inPlane, yp = dst + plane * g.outPlane, ap = arg + plane * g.outPlane
                for oy in 0..<g.outH {
                    let y0 = oy * g.strideH - g.pad.top
                    for ox in 0..<g.outW {
                        let x0 = ox * g.strideW - g.pad.left
                        var best = -Float.infinity, bestIndex: Int32 = -1
                        for ky in Swift.max(0, -y0)..<Swift.min(g.kH, g.inH - y0) {
                            let row = (y0 + ky) * g.inW
                            for kx in Swift.max(0, -x0)..<Swift.min(g.kW, g.inW - x0) {
                                let v = xp[row + x0 + kx]
                                if v > best || bestIndex < 0 {
                                    best = v
                                    bestIndex = Int32(row + x0 + kx)
                                }
                            }
                        }
                        yp[oy * g.outW + ox] = best
                        ap[oy * g.outW + ox] = bestIndex
                    }
                }
            }
        }
        geometry = g
        inputShape = x.shape
        return out
    }

    /// The common 2×2/2 unpadded case without window clipping (4 compares per output, first max wins).
    @inline(__always)
    static func pool2x2(_ xp: UnsafePointer<Float>, _ g: WindowGeometry, _ yp: UnsafeMutablePointer<Float>,
                        _ ap: UnsafeMutablePointer<Int32>) {
        let w = g.inW
        for oy in 0..<g.outH {
            let row = 2 * oy * w
            for ox in 0..<g.outW {
                let i0 = row + 2 * ox
                var best = xp[i0], index = i0
                if xp[i0 + 1] > best { best = xp[i0 + 1]; index = i0 + 1 }
                if xp[i0 + w] > best { best = xp[i0 + w]; index = i0 + w }
                if xp[i0 + w + 1] > best { best = xp[i0 + w + 1]; index = i0 + w + 1 }
                yp[oy * g.outW + ox] = best
                ap[oy * g.outW + ox] = Int32(index)
            }
        }
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        guard let g = geometry, let shape = inputShape else {
            throw NNError(code: .invalidArgument, message: "MaxPool2d: backward without forward")
        }
        try requireGradShape(dy, Shape(n: shape.n, c: shape.c, h: g.outH, w: g.outW), layer: "MaxPool2d")
        let planes = shape.n * shape.c
        let dx = gradInputCache.tensor(shape)
        let arg = UnsafeMutableRawPointer(argmaxCache.scratch(planes * g.outPlane))
            .assumingMemoryBound(to: Int32.self)
        let gp = dy.pointer, dp = dx.pointer
        NNThreads.parallelChunks(planes, grain: Swift.max(1, 8192 / Swift.max(g.inPlane, 1))) { r in
            for plane in r {
                let d = dp + plane * g.inPlane, gy = gp + plane * g.outPlane, ap = arg + plane * g.outPlane
                d.update(repeating: 0, count: g.inPlane)
                for i in 0..<g.outPlane where ap[i] >= 0 { d[Int(ap[i])] += gy[i] }
            }
        }
        return dx
    }
}
