import CNNKernels

/// The stem conv (3×3, stride 2, TF "SAME", 32 output channels) computed directly into channels-last output,
/// with bias + ReLU6: `y[p][co] = relu6(b[co] + Σ_{ci,ky,kx} x[ci][2·oy+ky−pt][2·ox+kx−pl] · W[co][ci][ky][kx])`.
///
/// Why not im2col + GEMM: with 3 input channels the reduction is only 27 long, and the im2col copy (27 × 12,544
/// floats) plus the transposition to channels-last cost as much as the arithmetic (bench/RESULTS.md profile).
/// Here each of the 27 taps is one broadcast of an input pixel times two weight vectors (32 output channels),
/// for 7 output pixels at a time: 14 accumulators, nothing copied.
struct ChannelsLastStem: Sendable {
    typealias V = SIMD16<Float>
    static let pixels = 7

    let inChannels: Int, kernel: Int
    /// `packed[tap·32 + co]`, tap = (ci·k + ky)·k + kx.
    let packed: [Float]
    let bias: [Float]

    /// Only for the 32-channel 3×3 stem of an RGB network such as EfficientNet-Lite (two 16-lane vectors);
    /// `nil` otherwise. The fixed sizes let `tile` unroll its 27 taps completely (with loops of 3 the compiler
    /// unrolled by 2 plus a remainder, leaving loop overhead between every few FMAs).
    init?(_ conv: FoldedConv) {
        guard conv.outChannels == 32, conv.kernel == 3, conv.inChannels == 3 else { return nil }
        inChannels = conv.inChannels
        kernel = conv.kernel
        let taps = conv.inChannels * conv.kernel * conv.kernel
        var p = [Float](repeating: 0, count: taps * 32)
        for co in 0..<32 { for t in 0..<taps { p[t * 32 + co] = conv.weights[co * taps + t] } }
        packed = p
        bias = conv.bias
    }

    /// Output rows `rows` of the `ho × wo` channels-last output (`y`, 32 floats per pixel) from the channel-major
    /// `h × w` image `x`. With `planes`, the output goes instead into two zero-bordered 16-channel group planes
    /// at `y` (`ChannelsLastDepthwise.planeLayout` of block 0's depthwise conv, which reads them in place), and
    /// the planes' padding ring next to `rows` is zeroed here: block 0 has no expand conv, so without this its
    /// depthwise conv first copied the whole 112² stem output group by group into a scratch plane.
    func run(x: UnsafePointer<Float>, h: Int, w: Int, y: UnsafeMutablePointer<Float>, rows: Range<Int>,
             planes: ChannelsLastGEMM.Planes? = nil) {
        let ho = (h + 1) / 2, wo = (w + 1) / 2, k = kernel
        let pt = max((ho - 1) * 2 + k - h, 0) / 2, pl = max((wo - 1) * 2 + k - w, 0) / 2
        if let planes {
            for q in 0..<2 { ChannelsLastDepthwise.zeroBorder(y + q * planes.planeFloats, planes, height: ho, rows: rows) }
        }
        /// Where pixel (oy, ox)'s channels 0–15 and 16–31 go, and the step to the next pixel of the row.
        @inline(__always) func target(_ oy: Int, _ ox: Int) -> Output {
            guard let planes else { let p = y + (oy * wo + ox) * 32; return Output(low: p, high: p + 16, step: 32) }
            let p = y + ((oy + planes.padTop) * planes.columns + ox + planes.padLeft) * 16
            return Output(low: p, high: p + planes.planeFloats, step: 16)
        }
        let avx512 = InferenceKernels.useAVX512
        packed.withUnsafeBufferPointer { wp in
            bias.withUnsafeBufferPointer { bp in
                let b0 = UnsafeRawPointer(bp.baseAddress!).loadUnaligned(as: V.self)
                let b1 = UnsafeRawPointer(bp.baseAddress! + 16).loadUnaligned(as: V.self)
                for oy in rows {
                    // Rows whose taps all fall inside the image need no bounds checks.
                    let rowInside = oy * 2 - pt >= 0 && oy * 2 - pt + k <= h
                    var ox = 0
                    while ox < wo {
                        let n = min(Self.pixels, wo - ox)
                        let inside = rowInside && n == Self.pixels && ox * 2 - pl >= 0 && (ox + n - 1) * 2 - pl + k <= w
                        if avx512 {
                            // The AVX-512 twin of `tile` (`InferenceKernels`).
                            let out = target(oy, ox)
                            cnn_cl_stem_tile_avx512(x, h, w, oy, ox, pt, pl, wp.baseAddress!, bp.baseAddress!, out.low,
                                                    out.high, out.step, Int32(n), inside ? 0 : 1)
                        } else if inside {
                            tile(x: x, h: h, w: w, oy: oy, ox: ox, pt: pt, pl: pl, weights: wp.baseAddress!, b0: b0, b1: b1,
                                 y: target(oy, ox), count: n, Inside.self)
                        } else {
                            tile(x: x, h: h, w: w, oy: oy, ox: ox, pt: pt, pl: pl, weights: wp.baseAddress!, b0: b0, b1: b1,
                                 y: target(oy, ox), count: n, Border.self)
                        }
                        ox += n
                    }
                }
            }
        }
    }

    /// Bounds checking as a type, so each case gets its own specialised copy of `tile` (a runtime flag left a
    /// branch at every broadcast).
    private protocol Bounds { static var checked: Bool { get } }
    /// A tile's output: channels 0–15 of its first pixel at `low`, 16–31 at `high`, `step` floats per pixel.
    private struct Output { let low: UnsafeMutablePointer<Float>, high: UnsafeMutablePointer<Float>, step: Int }
    private enum Inside: Bounds { static var checked: Bool { false } }
    private enum Border: Bounds { static var checked: Bool { true } }

    /// `count` (≤ 7) output pixels of one row; `Border` reads 0 outside the image.
    @inline(never)
    private func tile<B: Bounds>(x: UnsafePointer<Float>, h: Int, w: Int, oy: Int, ox: Int, pt: Int, pl: Int,
                                 weights: UnsafePointer<Float>, b0: V, b1: V, y: Output, count: Int,
                                 _: B.Type) {
        let checked = B.checked
        var a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1
        var a40 = b0, a41 = b1, a50 = b0, a51 = b1, a60 = b0, a61 = b1
        let k = 3   // == kernel, and 3 input channels (`init`): constant trip counts, fully unrolled
        var t = 0
        for ci in 0..<3 {
            let plane = x + ci * h * w
            for ky in 0..<k {
                let iy = oy * 2 + ky - pt
                for kx in 0..<k {
                    let w0 = VectorKernels.load(weights + t * 32), w1 = VectorKernels.load(weights + t * 32 + 16)
                    let ix0 = ox * 2 + kx - pl
                    @inline(__always) func px(_ i: Int) -> V {
                        let ix = ix0 + 2 * i
                        if checked && (i >= count || iy < 0 || iy >= h || ix < 0 || ix >= w) { return V() }
                        return V(repeating: plane[iy * w + ix])
                    }
                    var s = px(0); a00.addProduct(s, w0); a01.addProduct(s, w1)
                    s = px(1); a10.addProduct(s, w0); a11.addProduct(s, w1)
                    s = px(2); a20.addProduct(s, w0); a21.addProduct(s, w1)
                    s = px(3); a30.addProduct(s, w0); a31.addProduct(s, w1)
                    s = px(4); a40.addProduct(s, w0); a41.addProduct(s, w1)
                    s = px(5); a50.addProduct(s, w0); a51.addProduct(s, w1)
                    s = px(6); a60.addProduct(s, w0); a61.addProduct(s, w1)
                    t += 1
                }
            }
        }
        Self.out(0, a00, a01, y, count); Self.out(1, a10, a11, y, count); Self.out(2, a20, a21, y, count)
        Self.out(3, a30, a31, y, count); Self.out(4, a40, a41, y, count); Self.out(5, a50, a51, y, count)
        Self.out(6, a60, a61, y, count)
    }

    /// Pixel `i` of a tile: ReLU6 and store (bias is in the accumulators' start values).
    @_transparent
    private static func out(_ i: Int, _ lo: V, _ hi: V, _ y: Output, _ count: Int) {
        guard i < count else { return }
        let zero = V(repeating: 0), six = V(repeating: 6)
        VectorKernels.store(DepthwiseKernel.clamp(lo, zero, six), y.low + i * y.step)
        VectorKernels.store(DepthwiseKernel.clamp(hi, zero, six), y.high + i * y.step)
    }
}
