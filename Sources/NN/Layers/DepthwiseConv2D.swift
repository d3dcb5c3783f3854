import CamsiftCore
#if canImport(Glibc)
import Glibc
#endif

/// Depthwise 2-D convolution (one k×k filter per channel, PyTorch `groups = channels`), weight `[C, 1, kH, kW]`.
///
/// A GEMM is the wrong tool here: K = k·k = 9 or 25 leaves a GEMM memory-bound with almost no reuse. This kernel
/// works plane by plane with `SIMD16<Float>` along the output row. Each input plane is first copied into a zero-padded
/// scratch plane whose rows are split into `strideW` phases (even/odd columns for stride 2), so every tap of every
/// stride is a contiguous unaligned vector load — no gathers and no bounds checks in the inner loop
/// (the phase split is the polyphase decomposition of a strided filter).
public final class DepthwiseConv2D: Layer {
    public let channels: Int
    public let kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int)
    public let padding: PaddingMode
    public let weight: Parameter
    public let bias: Parameter?
    public var needsInputGradient = true

    var input: Tensor?
    var geometry: WindowGeometry?
    var outputCache = TensorCache(), gradInputCache = TensorCache(), scratchCache = TensorCache()

    static let lanes = 16
    typealias Vector = SIMD16<Float>

    public init(channels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: PaddingMode = .same,
                dilation: (Int, Int) = (1, 1), bias: Bool = false, rng: inout SeededGenerator) {
        precondition(channels >= 1 && kernel.0 >= 1 && kernel.1 >= 1 && stride.0 >= 1 && stride.1 >= 1
                     && dilation.0 >= 1 && dilation.1 >= 1, "DepthwiseConv2D: invalid configuration")
        self.channels = channels
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padding = padding
        let w = Tensor(zeros: [channels, 1, kernel.0, kernel.1])
        rng.fillUniform(w, bound: (6 / Float(kernel.0 * kernel.1)).squareRoot())
        weight = Parameter(w, decays: true)
        self.bias = bias ? Parameter(Tensor(zeros: [channels]), decays: false) : nil
    }

    public var ownParameters: [(String, Parameter)] {
        if let bias { return [("weight", weight), ("bias", bias)] }
        return [("weight", weight)]
    }

    var layerName: String { "DepthwiseConv2D(\(channels), \(kernel.0)×\(kernel.1)/\(stride.0))" }

    public func outputShape(for input: Shape) throws -> Shape {
        let g = try resolve(input)
        return Shape(n: input.n, c: channels, h: g.outH, w: g.outW)
    }

    func resolve(_ shape: Shape) throws -> WindowGeometry {
        try WindowGeometry(inH: shape.h, inW: shape.w, kernel: kernel, stride: stride, dilation: dilation,
                           padding: padding, layer: layerName)
    }

    /// Layout of the padded, phase-split scratch plane for a geometry.
    struct PhaseLayout {
        let rows: Int, phases: Int, phaseWidth: Int
        var rowStride: Int { phases * phaseWidth }
        var count: Int { rows * rowStride }

        init(_ g: WindowGeometry) {
            rows = g.inH + g.pad.top + g.pad.bottom
            phases = g.strideW
            let paddedWidth = g.inW + g.pad.left + g.pad.right
            phaseWidth = (paddedWidth + g.strideW - 1) / g.strideW + DepthwiseConv2D.lanes
        }
    }

    /// Per-task scratch: one phase plane (+ one for dX in backward) and a dY plane with zero-tailed rows.
    func scratchFloats(_ layout: PhaseLayout, _ g: WindowGeometry) -> Int {
        2 * layout.count + g.outH * (g.outW + DepthwiseConv2D.lanes) + DepthwiseConv2D.lanes
    }

    /// Copies plane `src` (H×W) into the padded phase layout.
    @inline(__always)
    static func fillPhases(_ src: UnsafePointer<Float>, _ g: WindowGeometry, _ layout: PhaseLayout,
                           _ dst: UnsafeMutablePointer<Float>) {
        memset(dst, 0, layout.count * 4)
        let s = g.strideW
        for ih in 0..<g.inH {
            let row = dst + (ih + g.pad.top) * layout.rowStride
            let srcRow = src + ih * g.inW
            if s == 1 {
                memcpy(row + g.pad.left, srcRow, g.inW * 4)
            } else {
                for iw in 0..<g.inW {
                    let padded = iw + g.pad.left
                    row[(padded % s) * layout.phaseWidth + padded / s] = srcRow[iw]
                }
            }
        }
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        try requireImage(x, channels: channels, layer: layerName)
        let g = try resolve(x.shape)
        let n = x.shape.n
        let out = outputCache.tensor(Shape(n: n, c: channels, h: g.outH, w: g.outW))
        let layout = PhaseLayout(g)
        let planes = n * channels
        let tasks = Swift.min(planes, NNThreads.count * 4)
        let perTask = scratchFloats(layout, g)
        let scratch = scratchCache.scratch(tasks * perTask)
        let xp = x.pointer, yp = out.pointer, wp = weight.value.pointer, bp = bias?.value.pointer
        let c = channels
        NNThreads.parallelFor(tasks) { task in
            let buffer = scratch + task * perTask
            for plane in (planes * task / tasks)..<(planes * (task + 1) / tasks) {
                let ch = plane % c
                DepthwiseConv2D.fillPhases(xp + plane * g.inPlane, g, layout, buffer)
                DepthwiseConv2D.convolvePlane(buffer, layout, g, weights: wp + ch * g.kH * g.kW,
                                              bias: bp?[ch] ?? 0, out: yp + plane * g.outPlane)
            }
        }
        if training {
            input = x
            geometry = g
        } else {
            input = nil
        }
        return out
    }

    /// out[oy, ox] = b + Σ_{ky,kx} w[ky,kx] · xpad[oy·sH + ky·dH, ox·sW + kx·dW], 16 outputs per vector.
    @inline(__always)
    static func convolvePlane(_ phases: UnsafePointer<Float>, _ layout: PhaseLayout, _ g: WindowGeometry,
                              weights: UnsafePointer<Float>, bias: Float, out: UnsafeMutablePointer<Float>) {
        let kh = g.kH, kw = g.kW, s = g.strideW
        for oy in 0..<g.outH {
            let outRow = out + oy * g.outW
            var ox = 0
            while ox < g.outW {
                var acc = Vector(repeating: bias)
                for ky in 0..<kh {
                    let row = phases + (oy * g.strideH + ky * g.dilationH) * layout.rowStride
                    for kx in 0..<kw {
                        let offset = kx * g.dilationW
                        let src = row + (offset % s) * layout.phaseWidth + offset / s + ox
                        acc += UnsafeRawPointer(src).loadUnaligned(as: Vector.self) * weights[ky * kw + kx]
                    }
                }
                let remaining = g.outW - ox
                if remaining >= lanes {
                    UnsafeMutableRawPointer(outRow + ox).storeBytes(of: acc, as: Vector.self)
                } else {
                    for i in 0..<remaining { outRow[ox + i] = acc[i] }
                }
                ox += lanes
            }
        }
    }
}
