import CNNKernels

/// A 1×1-convolution GEMM on channels-last (pixel-major, NHWC) activations, for the network's small planes:
/// `Y[p][m] = Σ_kk X[p][kk] · W[m][kk] + bias[m]`, vectorised over *output channels* instead of pixels.
///
/// Why a second layout: `PointwiseGEMM` vectorises over the pixels of a channel-major plane, and the late
/// EfficientNet planes are 14×14 and 7×7 — 196 and 49 columns, which fill 32-wide tiles to 88 % and 77 % (the
/// rest is computed and thrown away, and the partial panel is copied). Channel counts there are multiples of
/// 16 (80 … 1280), so vectors over channels are always full, and 7-pixel row tiles divide 49 and 196 exactly.
/// Micro-kernel: 7 pixels × 48 channels = 21 `SIMD16` accumulators fed per reduction step by 3 weight loads and
/// 7 broadcasts (the outer-product kernel of Goto & van de Geijn 2008, §5, with the roles of A and B swapped).
/// That fits AVX-512's 32 registers, not AVX2's 16 (the x86-64-v3 release build spills): where the CPU has
/// AVX-512, `run` calls the tiles' C twin `cnn_cl_gemm_tile_avx512` instead (`InferenceKernels`).
/// Weights are packed once in 16-channel panels; activations are read in place (no packing).
struct ChannelsLastGEMM: Sendable {
    typealias V = SIMD16<Float>
    /// Pixels per row tile.
    static let pixels = 7

    /// Output channels (a multiple of 16) and reduction length (input channels, as stored: the row stride of `x`).
    let m: Int, k: Int
    /// Reduction steps the tiles run: the conv's real input channels. The 16-padded inputs past them are 0, so the
    /// 24- and 40-channel blocks' GEMMs skip 1/4 and 1/6 of their multiply-adds (the padding is only for storage).
    let kActive: Int
    /// Output channels the tiles compute: the conv's real output channels rounded up to 8. The 24- and 40-channel
    /// projects (blocks 1–4) store 32 and 48 channels; their last 8 are padding that nothing reads (the next
    /// GEMMs stop at `kActive`, residual adds at the same channels), so a 7 × 8 half tile (`tileHalf`) covers the
    /// real ones instead of a 16-wide tile that is half padding. Padding channels past it are left unwritten.
    let mActive: Int
    /// `packed[(q·k + kk)·16 + j] = W[q·16 + j][kk]`.
    let packed: [Float]
    let bias: [Float]

    init(weights: [Float], bias: [Float], m: Int, k: Int, kActive: Int? = nil, mActive: Int? = nil) {
        precondition(weights.count == m * k && bias.count == m && m % 16 == 0, "channels-last GEMM needs m % 16 == 0")
        precondition((kActive ?? k) <= k && (mActive ?? m) <= m)
        self.m = m
        self.k = k
        self.kActive = kActive ?? k
        self.mActive = ((mActive ?? m) + 7) / 8 * 8
        var p = [Float](repeating: 0, count: m * k)
        for r in 0..<m {
            for kk in 0..<k { p[((r / 16) * k + kk) * 16 + r % 16] = weights[r * k + kk] }
        }
        packed = p
        self.bias = bias
    }

    /// A 1×1 conv with its channel counts padded with zeros to `m` outputs (a multiple of 16) and `k` inputs:
    /// padded outputs are exactly 0 (zero weights and bias), padded inputs (0 from the layer before) add nothing.
    init(_ conv: FoldedConv, m: Int? = nil, k: Int? = nil) {
        precondition(conv.kernel == 1)
        let m = m ?? conv.outChannels, k = k ?? conv.inChannels
        precondition(m >= conv.outChannels && k >= conv.inChannels)
        var w = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: m)
        for o in 0..<conv.outChannels {
            b[o] = conv.bias[o]
            for i in 0..<conv.inChannels { w[o * k + i] = conv.weights[o * conv.inChannels + i] }
        }
        self.init(weights: w, bias: b, m: m, k: k, kActive: conv.inChannels, mActive: conv.outChannels)
    }

    /// `c` rounded up to a whole number of 16-channel vectors: channels-last tensors are stored this wide.
    static func padded(_ c: Int) -> Int { (c + 15) / 16 * 16 }

    typealias Epilogue = PointwiseGEMM.Epilogue

    /// Computes output channels `channels` (multiples of 16 at both ends) for all `n` pixels: `x` is `[n × k]`
    /// (row stride `k`), `c` is `[n × m]` (row stride `m`), the residual (if any) has `c`'s layout. Reads up to
    /// 6 pixel rows past `n` in `x` (the caller's buffers have that slack); never writes past `n`.
    func run(x: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, n: Int, channels: Range<Int>, epilogue: Epilogue) {
        run(x: x, c: c, n: n, channels: channels, epilogue: epilogue, planes: nil)
    }

    /// Where a GEMM writes 16-channel group `q` of pixel `p` when its output goes straight into the depthwise
    /// conv's zero-bordered scratch planes (`ChannelsLastDepthwise.runPadded`) instead of `[n × m]`: plane `q` at
    /// `c + q·planeFloats`, pixel (y, x) of the image at padded position (y + padTop, x + padLeft). `firstPixel`
    /// is the image pixel the GEMM's row 0 is. The image width must be a multiple of 7 (`pixels`), so that a
    /// row tile never straddles two image rows.
    struct Planes {
        let width: Int, columns: Int, padTop: Int, padLeft: Int, planeFloats: Int, firstPixel: Int
    }

    /// `run` with the output in `planes` layout (nil: `[n × m]`). Epilogue `.bias(residual:)` needs `[n × m]`.
    func run(x: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, n: Int, channels: Range<Int>, epilogue: Epilogue,
             planes: Planes?) {
        precondition(channels.lowerBound % 16 == 0 && channels.upperBound % 16 == 0 && channels.upperBound <= m)
        precondition(planes.map { $0.width % Self.pixels == 0 && $0.firstPixel % $0.width == 0 } ?? true,
                     "planar output needs whole 7-pixel row tiles")
        if planes != nil, case .bias(residual: .some) = epilogue { preconditionFailure("planar output has no residual") }
        let avx512 = InferenceKernels.useAVX512
        packed.withUnsafeBufferPointer { wp in
            bias.withUnsafeBufferPointer { bp in
                var p0 = 0
                while p0 < n {
                    let valid = min(Self.pixels, n - p0)
                    var c0 = channels.lowerBound
                    // Planes hold whole 16-channel groups that the depthwise conv reads: no half tiles there.
                    let end = planes == nil ? min(channels.upperBound, mActive) : channels.upperBound
                    while c0 < end {
                        let left = end - c0
                        let w = wp.baseAddress! + c0 * k
                        let b = bp.baseAddress! + c0
                        let ro = p0 * m + c0
                        let e: EpilogueContext
                        if let planes {
                            let p = planes.firstPixel + p0, y = p / planes.width, px = p % planes.width
                            let at = ((y + planes.padTop) * planes.columns + px + planes.padLeft) * 16
                            e = EpilogueContext(c: c + (c0 / 16) * planes.planeFloats + at, ldc: 16,
                                                groupStride: planes.planeFloats, epilogue: epilogue, residualOffset: ro)
                        } else {
                            e = EpilogueContext(c: c + p0 * m + c0, ldc: m, groupStride: 16, epilogue: epilogue,
                                                residualOffset: ro)
                        }
                        if avx512 && left >= 16 {
                            // The AVX-512 twins of tile1…tile3 (`InferenceKernels`).
                            let vectors = min(3, left / 16)
                            let relu6: Int32, residual: UnsafePointer<Float>?
                            switch epilogue {
                            case .biasReLU6: relu6 = 1; residual = nil
                            case .bias(let r): relu6 = 0; residual = r.map { $0 + ro }
                            }
                            cnn_cl_gemm_tile_avx512(Int32(vectors), x + p0 * k, k, w, k * 16, kActive, Int32(valid), b,
                                                    e.c, e.ldc, e.groupStride, relu6, residual)
                            c0 += 16 * vectors
                        } else if left >= 48 {
                            tile3(x: x + p0 * k, ldx: k, w: w, pixelsValid: valid, bias: b, e)
                            c0 += 48
                        } else if left >= 32 {
                            tile2(x: x + p0 * k, ldx: k, w: w, pixelsValid: valid, bias: b, e)
                            c0 += 32
                        } else if left >= 16 {
                            tile1(x: x + p0 * k, ldx: k, w: w, pixelsValid: valid, bias: b, e)
                            c0 += 16
                        } else {
                            tileHalf(x: x + p0 * k, ldx: k, w: w, pixelsValid: valid, bias: b, e)
                            c0 += 8
                        }
                    }
                    p0 += Self.pixels
                }
            }
        }
    }

    /// 7 pixels × 48 channels: 21 accumulators, 3 weight loads + 7 broadcasts per reduction step.
    @inline(never)
    private func tile3(x: UnsafePointer<Float>, ldx: Int, w: UnsafePointer<Float>, pixelsValid: Int,
                       bias: UnsafePointer<Float>, _ e: EpilogueContext) {
        // Accumulators start at the bias (one add less per output vector in the epilogue).
        let b0 = VectorKernels.load(bias), b1 = VectorKernels.load(bias + 16), b2 = VectorKernels.load(bias + 32)
        var a00 = b0; var a01 = b1; var a02 = b2
        var a10 = b0; var a11 = b1; var a12 = b2
        var a20 = b0; var a21 = b1; var a22 = b2
        var a30 = b0; var a31 = b1; var a32 = b2
        var a40 = b0; var a41 = b1; var a42 = b2
        var a50 = b0; var a51 = b1; var a52 = b2
        var a60 = b0; var a61 = b1; var a62 = b2
        let panel = k * 16
        var xp = x, wp = w
        let ld = ldx
        for _ in 0..<kActive {
            let w0 = VectorKernels.load(wp + 0 * panel)
            let w1 = VectorKernels.load(wp + 1 * panel)
            let w2 = VectorKernels.load(wp + 2 * panel)
            var s = V(repeating: xp[0]); a00.addProduct(s, w0); a01.addProduct(s, w1); a02.addProduct(s, w2);
            s = V(repeating: xp[1 * ld]); a10.addProduct(s, w0); a11.addProduct(s, w1); a12.addProduct(s, w2);
            s = V(repeating: xp[2 * ld]); a20.addProduct(s, w0); a21.addProduct(s, w1); a22.addProduct(s, w2);
            s = V(repeating: xp[3 * ld]); a30.addProduct(s, w0); a31.addProduct(s, w1); a32.addProduct(s, w2);
            s = V(repeating: xp[4 * ld]); a40.addProduct(s, w0); a41.addProduct(s, w1); a42.addProduct(s, w2);
            s = V(repeating: xp[5 * ld]); a50.addProduct(s, w0); a51.addProduct(s, w1); a52.addProduct(s, w2);
            s = V(repeating: xp[6 * ld]); a60.addProduct(s, w0); a61.addProduct(s, w1); a62.addProduct(s, w2);
            xp += 1
            wp += 16
        }
        if 0 < pixelsValid { Self.emit(0, 0, a00, e); Self.emit(0, 1, a01, e); Self.emit(0, 2, a02, e) }
        if 1 < pixelsValid { Self.emit(1, 0, a10, e); Self.emit(1, 1, a11, e); Self.emit(1, 2, a12, e) }
        if 2 < pixelsValid { Self.emit(2, 0, a20, e); Self.emit(2, 1, a21, e); Self.emit(2, 2, a22, e) }
        if 3 < pixelsValid { Self.emit(3, 0, a30, e); Self.emit(3, 1, a31, e); Self.emit(3, 2, a32, e) }
        if 4 < pixelsValid { Self.emit(4, 0, a40, e); Self.emit(4, 1, a41, e); Self.emit(4, 2, a42, e) }
        if 5 < pixelsValid { Self.emit(5, 0, a50, e); Self.emit(5, 1, a51, e); Self.emit(5, 2, a52, e) }
        if 6 < pixelsValid { Self.emit(6, 0, a60, e); Self.emit(6, 1, a61, e); Self.emit(6, 2, a62, e) }
    }

    /// 7 pixels × 32 channels: 14 accumulators, 2 weight loads + 7 broadcasts per reduction step.
    @inline(never)
    private func tile2(x: UnsafePointer<Float>, ldx: Int, w: UnsafePointer<Float>, pixelsValid: Int,
                       bias: UnsafePointer<Float>, _ e: EpilogueContext) {
        let b0 = VectorKernels.load(bias), b1 = VectorKernels.load(bias + 16)
        var a00 = b0; var a01 = b1
        var a10 = b0; var a11 = b1
        var a20 = b0; var a21 = b1
        var a30 = b0; var a31 = b1
        var a40 = b0; var a41 = b1
        var a50 = b0; var a51 = b1
        var a60 = b0; var a61 = b1
        let panel = k * 16
        var xp = x, wp = w
        let ld = ldx
        for _ in 0..<kActive {
            let w0 = VectorKernels.load(wp + 0 * panel)
            let w1 = VectorKernels.load(wp + 1 * panel)
            var s = V(repeating: xp[0]); a00.addProduct(s, w0); a01.addProduct(s, w1);
            s = V(repeating: xp[1 * ld]); a10.addProduct(s, w0); a11.addProduct(s, w1);
            s = V(repeating: xp[2 * ld]); a20.addProduct(s, w0); a21.addProduct(s, w1);
            s = V(repeating: xp[3 * ld]); a30.addProduct(s, w0); a31.addProduct(s, w1);
            s = V(repeating: xp[4 * ld]); a40.addProduct(s, w0); a41.addProduct(s, w1);
            s = V(repeating: xp[5 * ld]); a50.addProduct(s, w0); a51.addProduct(s, w1);
            s = V(repeating: xp[6 * ld]); a60.addProduct(s, w0); a61.addProduct(s, w1);
            xp += 1
            wp += 16
        }
        if 0 < pixelsValid { Self.emit(0, 0, a00, e); Self.emit(0, 1, a01, e) }
        if 1 < pixelsValid { Self.emit(1, 0, a10, e); Self.emit(1, 1, a11, e) }
        if 2 < pixelsValid { Self.emit(2, 0, a20, e); Self.emit(2, 1, a21, e) }
        if 3 < pixelsValid { Self.emit(3, 0, a30, e); Self.emit(3, 1, a31, e) }
        if 4 < pixelsValid { Self.emit(4, 0, a40, e); Self.emit(4, 1, a41, e) }
        if 5 < pixelsValid { Self.emit(5, 0, a50, e); Self.emit(5, 1, a51, e) }
        if 6 < pixelsValid { Self.emit(6, 0, a60, e); Self.emit(6, 1, a61, e) }
    }

    /// 7 pixels × 16 channels: 7 accumulators, 1 weight loads + 7 broadcasts per reduction step.
    @inline(never)
    private func tile1(x: UnsafePointer<Float>, ldx: Int, w: UnsafePointer<Float>, pixelsValid: Int,
                       bias: UnsafePointer<Float>, _ e: EpilogueContext) {
        let b0 = VectorKernels.load(bias)
        var a00 = b0
        var a10 = b0
        var a20 = b0
        var a30 = b0
        var a40 = b0
        var a50 = b0
        var a60 = b0
        let panel = k * 16
        var xp = x, wp = w
        let ld = ldx
        for _ in 0..<kActive {
            let w0 = VectorKernels.load(wp + 0 * panel)
            var s = V(repeating: xp[0]); a00.addProduct(s, w0);
            s = V(repeating: xp[1 * ld]); a10.addProduct(s, w0);
            s = V(repeating: xp[2 * ld]); a20.addProduct(s, w0);
            s = V(repeating: xp[3 * ld]); a30.addProduct(s, w0);
            s = V(repeating: xp[4 * ld]); a40.addProduct(s, w0);
            s = V(repeating: xp[5 * ld]); a50.addProduct(s, w0);
            s = V(repeating: xp[6 * ld]); a60.addProduct(s, w0);
            xp += 1
            wp += 16
        }
        if 0 < pixelsValid { Self.emit(0, 0, a00, e) }
        if 1 < pixelsValid { Self.emit(1, 0, a10, e) }
        if 2 < pixelsValid { Self.emit(2, 0, a20, e) }
        if 3 < pixelsValid { Self.emit(3, 0, a30, e) }
        if 4 < pixelsValid { Self.emit(4, 0, a40, e) }
        if 5 < pixelsValid { Self.emit(5, 0, a50, e) }
        if 6 < pixelsValid { Self.emit(6, 0, a60, e) }
    }

    /// 7 pixels × 8 channels (the first half of a 16-channel panel): `SIMD8` accumulators, half-width FMAs.
    @inline(never)
    private func tileHalf(x: UnsafePointer<Float>, ldx: Int, w: UnsafePointer<Float>, pixelsValid: Int,
                          bias: UnsafePointer<Float>, _ e: EpilogueContext) {
        typealias H = SIMD8<Float>
        let b0 = UnsafeRawPointer(bias).loadUnaligned(as: H.self)
        var a0 = b0, a1 = b0, a2 = b0, a3 = b0, a4 = b0, a5 = b0, a6 = b0
        var xp = x, wp = UnsafeRawPointer(w)
        let ld = ldx
        for _ in 0..<kActive {
            let w0 = wp.loadUnaligned(as: H.self)
            a0.addProduct(H(repeating: xp[0]), w0); a1.addProduct(H(repeating: xp[1 * ld]), w0)
            a2.addProduct(H(repeating: xp[2 * ld]), w0); a3.addProduct(H(repeating: xp[3 * ld]), w0)
            a4.addProduct(H(repeating: xp[4 * ld]), w0); a5.addProduct(H(repeating: xp[5 * ld]), w0)
            a6.addProduct(H(repeating: xp[6 * ld]), w0)
            xp += 1
            wp += 64
        }
        @inline(__always) func emit(_ i: Int, _ acc: H) {
            guard i < pixelsValid else { return }
            var v = acc
            switch e.epilogue {
            case .biasReLU6:
                v = v.replacing(with: 0, where: v .< 0).replacing(with: 6, where: v .> 6)
            case .bias(let residual):
                if let residual { v += UnsafeRawPointer(residual + e.residualOffset + i * e.ldc).loadUnaligned(as: H.self) }
            }
            UnsafeMutableRawPointer(e.c + i * e.ldc).storeBytes(of: v, as: H.self)
        }
        emit(0, a0); emit(1, a1); emit(2, a2); emit(3, a3); emit(4, a4); emit(5, a5); emit(6, a6)
    }

    /// Where a tile's results go: pixel `i`, vector `v` at `c + i·ldc + v·groupStride` (`[n × m]`: ldc = m,
    /// groupStride = 16; planes: ldc = 16, groupStride = one plane); the residual is always `[n × m]`.
    private struct EpilogueContext {
        let c: UnsafeMutablePointer<Float>, ldc: Int, groupStride: Int, epilogue: Epilogue, residualOffset: Int
    }

    /// Vector `v` of pixel row `i` (bias already in the accumulator): ReLU6 or the residual add, then the store.
    @_transparent
    private static func emit(_ i: Int, _ v: Int, _ acc: V, _ e: EpilogueContext) {
        var x = acc
        switch e.epilogue {
        case .biasReLU6:
            x = DepthwiseKernel.clamp(x, V(repeating: 0), V(repeating: 6))
        case .bias(let residual):
            if let residual {
                x += VectorKernels.load(residual + e.residualOffset + i * e.ldc + 16 * v)
            }
        }
        VectorKernels.store(x, e.c + i * e.ldc + v * e.groupStride)
    }
}
