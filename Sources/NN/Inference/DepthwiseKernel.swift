/// Depthwise k×k convolution of one channel plane for inference, SIMD over output columns.
///
/// GEMM is the wrong tool here (each output reads k² inputs of one channel, so im2col would only copy), so
/// this is a direct kernel. Each input plane is first copied into a zero-bordered scratch plane, applying
/// the producing layer's bias and ReLU6 on the way (the expand conv's epilogue, fused), and for stride 2 it is
/// split into even/odd column phases so that every tap is a contiguous 8-wide load. Output gets the folded
/// BatchNorm bias and ReLU6. Padding is TensorFlow "SAME": total `max((out−1)·s + k − in, 0)`, with the
/// smaller half before and the larger after (asymmetric for stride 2 on even sizes).
enum DepthwiseKernel {
    /// 16 lanes: two AVX2 registers (release builds target x86-64-v3: `-target-cpu haswell` in Package.swift, never
    /// `native`). This channel-major kernel has no AVX-512 twin: default passes run channels-last from block 0
    /// (`ChannelsLastDepthwise`, which has one, chosen at run time: `InferenceKernels`).
    typealias Vec = SIMD16<Float>
    static let lanes = 16

    /// Sizes of one plane's convolution and of its padded scratch copy.
    struct Geometry: Equatable {
        var h: Int, w: Int, k: Int, stride: Int
        var ho: Int, wo: Int
        var padTop: Int, padLeft: Int
        /// Scratch plane: rows (`h + padTotal`), and the width of one row (per phase when stride is 2).
        var rows: Int, rowWidth: Int

        init(h: Int, w: Int, k: Int, stride: Int) {
            precondition(stride == 1 || stride == 2, "depthwise stride must be 1 or 2")
            self.h = h; self.w = w; self.k = k; self.stride = stride
            ho = (h + stride - 1) / stride
            wo = (w + stride - 1) / stride
            let padH = max((ho - 1) * stride + k - h, 0)
            let padW = max((wo - 1) * stride + k - w, 0)
            padTop = padH / 2
            padLeft = padW / 2
            rows = h + padH
            let woRounded = (wo + DepthwiseKernel.lanes - 1) / DepthwiseKernel.lanes * DepthwiseKernel.lanes
            // Every 8-wide load of the last chunk stays inside the row (stride 1: ox+7+k−1; stride 2: per phase).
            rowWidth = stride == 1 ? woRounded + k - 1 : woRounded + (k - 1) / 2 + 1
            rowWidth = max(rowWidth, stride == 1 ? w + padW : (w + padW + 1) / 2)
        }

        /// Floats of scratch one plane needs (both phases for stride 2), plus the broadcast weights.
        var scratchCount: Int { rows * rowWidth * stride + k * k * DepthwiseKernel.lanes }
    }

    /// Zeroes a thread's scratch before the first plane of a layer; planes of one layer then overwrite only
    /// the interior, so the zero border stays valid for all channels of that layer.
    static func prepare(scratch: UnsafeMutablePointer<Float>, _ g: Geometry) {
        scratch.initialize(repeating: 0, count: g.scratchCount)
    }

    /// Convolves one plane.
    /// - Parameters:
    ///   - input: `h×w` plane, *before* the producer's activation when `inputBias` is given.
    ///   - inputBias: when non-nil, the input is `relu6(x + inputBias)` (fused epilogue of the previous conv).
    ///   - weights: `k×k` taps (BatchNorm scale folded in).
    ///   - bias: folded BatchNorm shift; the output is `relu6(conv + bias)` when `relu6`, else `conv + bias`.
    static func plane(input: UnsafePointer<Float>, inputBias: Float?, weights: UnsafePointer<Float>, bias: Float,
                      relu6: Bool, output: UnsafeMutablePointer<Float>, _ g: Geometry,
                      scratch: UnsafeMutablePointer<Float>) {
        let k = g.k
        let wvec = UnsafeMutableRawPointer(scratch + g.rows * g.rowWidth * g.stride)
        for t in 0..<(k * k) { wvec.storeBytes(of: Vec(repeating: weights[t]), toByteOffset: t * MemoryLayout<Vec>.stride, as: Vec.self) }
        fill(input: input, inputBias: inputBias, g, scratch: scratch)
        let taps = UnsafeRawPointer(wvec)
        if g.stride == 1 {
            convolveStride1(scratch: scratch, taps: taps, bias: bias, relu6: relu6, output: output, g)
        } else {
            convolveStride2(scratch: scratch, taps: taps, bias: bias, relu6: relu6, output: output, g)
        }
    }

    /// `min(max(v, lo), hi)` lane-wise. Written with compare + select because the stdlib's generic
    /// `clamped`/`pointwiseMin` are not specialised across modules and cost a call per vector.
    @_transparent
    static func clamp(_ v: Vec, _ lo: Vec, _ hi: Vec) -> Vec {
        v.replacing(with: lo, where: v .< lo).replacing(with: hi, where: v .> hi)
    }

    @_transparent
    static func activate(_ v: Vec, _ b: Vec) -> Vec {
        clamp(v + b, Vec(repeating: 0), Vec(repeating: 6))
    }

    @inline(__always)
    private static func activate(_ v: Float, _ b: Float) -> Float { min(max(v + b, 0), 6) }

    /// Copies the plane into the padded scratch (phase-split for stride 2), applying the input activation.
    private static func fill(input: UnsafePointer<Float>, inputBias: Float?, _ g: Geometry,
                             scratch: UnsafeMutablePointer<Float>) {
        let w = g.w
        if g.stride == 1 {
            for y in 0..<g.h {
                let src = input + y * w
                let dst = scratch + (y + g.padTop) * g.rowWidth + g.padLeft
                if let b = inputBias {
                    let bv = Vec(repeating: b)
                    var x = 0
                    while x + lanes <= w {
                        let v = UnsafeRawPointer(src + x).loadUnaligned(as: Vec.self)
                        UnsafeMutableRawPointer(dst + x).storeBytes(of: activate(v, bv), as: Vec.self)
                        x += lanes
                    }
                    while x < w { dst[x] = activate(src[x], b); x += 1 }
                } else {
                    dst.update(from: src, count: w)
                }
            }
            return
        }
        // Stride 2: padded column px = x + padLeft goes to phase px & 1, index px >> 1.
        let phase1 = scratch + g.rows * g.rowWidth
        let bias = inputBias ?? 0
        let bv = Vec(repeating: bias)
        let apply = inputBias != nil
        for y in 0..<g.h {
            let src = input + y * w
            let rowOff = (y + g.padTop) * g.rowWidth
            // Even input columns land in phase (padLeft & 1), odd ones in the other phase.
            let evenDst = (g.padLeft & 1 == 0 ? scratch : phase1) + rowOff + (g.padLeft >> 1)
            let oddDst = (g.padLeft & 1 == 0 ? phase1 : scratch) + rowOff + ((g.padLeft + 1) >> 1)
            var j = 0
            while 2 * j + 2 * lanes <= w {
                let v = UnsafeRawPointer(src + 2 * j).loadUnaligned(as: SIMD32<Float>.self)
                var e = v.evenHalf, o = v.oddHalf
                if apply { e = activate(e, bv); o = activate(o, bv) }
                UnsafeMutableRawPointer(evenDst + j).storeBytes(of: e, as: Vec.self)
                UnsafeMutableRawPointer(oddDst + j).storeBytes(of: o, as: Vec.self)
                j += lanes
            }
            var x = 2 * j
            while x < w {
                let v = apply ? activate(src[x], bias) : src[x]
                if x & 1 == 0 { evenDst[x >> 1] = v } else { oddDst[x >> 1] = v }
                x += 1
            }
        }
    }

    /// Broadcast weight `t` (stored pre-broadcast in the scratch tail).
    @_transparent
    static func tap(_ taps: UnsafeRawPointer, _ t: Int) -> Vec {
        taps.loadUnaligned(fromByteOffset: t * MemoryLayout<Vec>.stride, as: Vec.self)
    }

    @inline(__always)
    private static func store(_ v: Vec, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        if count >= lanes {
            UnsafeMutableRawPointer(dst).storeBytes(of: v, as: Vec.self)
        } else {
            for i in 0..<count { dst[i] = v[i] }
        }
    }

    /// Kernel sizes as types, so the generic bodies get specialised copies with `k` a constant: the tap loops
    /// unroll fully and the broadcast weights stay in registers. `KAny` reads `k` from the geometry.
    protocol KernelSize { static var k: Int? { get } }
    enum K3: KernelSize { static var k: Int? { 3 } }
    enum K5: KernelSize { static var k: Int? { 5 } }
    enum KAny: KernelSize { static var k: Int? { nil } }

    /// Dispatches to a body specialised for the kernel size.
    private static func convolveStride1(scratch: UnsafeMutablePointer<Float>, taps: UnsafeRawPointer, bias: Float,
                                        relu6: Bool, output: UnsafeMutablePointer<Float>, _ g: Geometry) {
        switch g.k {
        case 3: stride1(K3.self, scratch: scratch, taps: taps, bias: bias, relu6: relu6, output: output, g)
        case 5: stride1(K5.self, scratch: scratch, taps: taps, bias: bias, relu6: relu6, output: output, g)
        default: stride1(KAny.self, scratch: scratch, taps: taps, bias: bias, relu6: relu6, output: output, g)
        }
    }

    /// Stride 1, two output rows per pass: rows `oy` and `oy+1` share `k−1` input rows, so each loaded input
    /// vector feeds both accumulators.
    private static func stride1<K: KernelSize>(_: K.Type, scratch: UnsafeMutablePointer<Float>, taps: UnsafeRawPointer, bias: Float,
                                relu6: Bool, output: UnsafeMutablePointer<Float>, _ g: Geometry) {
        let k = K.k ?? g.k
        let rw = g.rowWidth, wo = g.wo, ho = g.ho
        let bv = Vec(repeating: bias)
        let lo = Vec(repeating: relu6 ? 0 : -.infinity), hi = Vec(repeating: relu6 ? 6 : .infinity)
        // Taps copied into locals: the compiler cannot hoist loads through `taps` out of the loop (it may alias
        // `output`); with k a constant they are kept in registers as far as there are any (k = 5 needs 50 of
        // AVX2's 16: the rest are reloaded from the stack).
        var w = InlineArray<25, Vec>(repeating: Vec())
        if k <= 5 { for t in 0..<(k * k) { w[t] = tap(taps, t) } }
        var oy = 0
        while k <= 5 && oy + 2 <= ho {
            var ox = 0
            while ox < wo {
                // Two partial sums per output row (even/odd kernel rows) halve the FMA dependency chains,
                // which otherwise bound this loop by FMA latency rather than throughput.
                var acc0 = bv, acc1 = bv, acc0b = Vec(), acc1b = Vec()
                for r in 0...k {
                    let row = UnsafeRawPointer(scratch + (oy + r) * rw + ox)
                    for kx in 0..<k {
                        let v = row.loadUnaligned(fromByteOffset: kx * 4, as: Vec.self)
                        if r < k {
                            if r & 1 == 0 { acc0.addProduct(v, w[r * k + kx]) } else { acc0b.addProduct(v, w[r * k + kx]) }
                        }
                        if r > 0 {
                            if r & 1 == 1 { acc1.addProduct(v, w[(r - 1) * k + kx]) } else { acc1b.addProduct(v, w[(r - 1) * k + kx]) }
                        }
                    }
                }
                store(clamp(acc0 + acc0b, lo, hi), output + oy * wo + ox, count: wo - ox)
                store(clamp(acc1 + acc1b, lo, hi), output + (oy + 1) * wo + ox, count: wo - ox)
                ox += lanes
            }
            oy += 2
        }
        while oy < ho {
            var ox = 0
            while ox < wo {
                var acc = bv, accb = Vec()
                for ky in 0..<k {
                    let row = UnsafeRawPointer(scratch + (oy + ky) * rw + ox)
                    for kx in 0..<k {
                        let v = row.loadUnaligned(fromByteOffset: kx * 4, as: Vec.self)
                        if ky & 1 == 0 { acc.addProduct(v, tap(taps, ky * k + kx)) } else { accb.addProduct(v, tap(taps, ky * k + kx)) }
                    }
                }
                store(clamp(acc + accb, lo, hi), output + oy * wo + ox, count: wo - ox)
                ox += lanes
            }
            oy += 1
        }
    }

    private static func convolveStride2(scratch: UnsafeMutablePointer<Float>, taps: UnsafeRawPointer, bias: Float,
                                        relu6: Bool, output: UnsafeMutablePointer<Float>, _ g: Geometry) {
        switch g.k {
        case 3: stride2(K3.self, scratch: scratch, taps: taps, bias: bias, relu6: relu6, output: output, g)
        case 5: stride2(K5.self, scratch: scratch, taps: taps, bias: bias, relu6: relu6, output: output, g)
        default: stride2(KAny.self, scratch: scratch, taps: taps, bias: bias, relu6: relu6, output: output, g)
        }
    }

    /// Stride 2 on the phase-split plane: tap `kx` reads phase `kx & 1` at column offset `kx >> 1`.
    private static func stride2<K: KernelSize>(_: K.Type, scratch: UnsafeMutablePointer<Float>, taps: UnsafeRawPointer, bias: Float,
                                relu6: Bool, output: UnsafeMutablePointer<Float>, _ g: Geometry) {
        let k = K.k ?? g.k
        let rw = g.rowWidth, wo = g.wo
        let phase1 = scratch + g.rows * rw
        let bv = Vec(repeating: bias)
        let lo = Vec(repeating: relu6 ? 0 : -.infinity), hi = Vec(repeating: relu6 ? 6 : .infinity)
        for oy in 0..<g.ho {
            var ox = 0
            while ox < wo {
                var acc = bv, accb = Vec()  // even / odd taps: two independent FMA chains
                for ky in 0..<k {
                    let r = (2 * oy + ky) * rw + ox
                    let p0 = UnsafeRawPointer(scratch + r), p1 = UnsafeRawPointer(phase1 + r)
                    var kx = 0
                    while kx < k {
                        acc.addProduct(p0.loadUnaligned(fromByteOffset: (kx >> 1) * 4, as: Vec.self), tap(taps, ky * k + kx))
                        if kx + 1 < k {
                            accb.addProduct(p1.loadUnaligned(fromByteOffset: (kx >> 1) * 4, as: Vec.self),
                                           tap(taps, ky * k + kx + 1))
                        }
                        kx += 2
                    }
                }
                store(clamp(acc + accb, lo, hi), output + oy * wo + ox, count: wo - ox)
                ox += lanes
            }
        }
    }
}
