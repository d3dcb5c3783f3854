import CNNKernels

/// Depthwise k×k convolution on channels-last (NHWC) activations, 16 channels per vector.
///
/// The channel-major `DepthwiseKernel` vectorises along a row of one plane; on the late 14×14 and 7×7 planes a
/// 16-lane vector then carries 14 or 7 useful lanes. Here a vector holds 16 channels of one pixel, so every lane
/// is useful whatever the plane size, and the k² taps of a 16-channel group stay in registers while the group's
/// whole (small) plane is swept. Each group is first copied into a zero-bordered scratch plane (TF "SAME"
/// padding, as in `DepthwiseKernel.Geometry`), so the tap loops need no bounds checks; output is
/// `relu6(conv + bias)` (BatchNorm folded).
enum ChannelsLastDepthwise {
    typealias Vec = SIMD16<Float>

    /// `[C][k·k]` taps → `[C/16][k·k][16]`, so a group's taps are k² contiguous vectors.
    static func pack(weights: [Float], channels: Int, k: Int) -> [Float] {
        precondition(channels % 16 == 0 && weights.count == channels * k * k)
        var p = [Float](repeating: 0, count: weights.count)
        for c in 0..<channels {
            for t in 0..<(k * k) { p[((c / 16) * k * k + t) * 16 + c % 16] = weights[c * k * k + t] }
        }
        return p
    }

    /// Padded scratch width (pixels) for `g`: every tap of every output column lands inside.
    static func columns(_ g: DepthwiseKernel.Geometry) -> Int { max(g.w, (g.wo - 1) * g.stride + g.k) }
    /// Padded scratch height (rows).
    static func rows(_ g: DepthwiseKernel.Geometry) -> Int { max(g.h, (g.ho - 1) * g.stride + g.k) }
    /// Floats of scratch one 16-channel group needs.
    static func scratchCount(_ g: DepthwiseKernel.Geometry) -> Int { rows(g) * columns(g) * 16 }

    /// Convolves channel groups `groups` (16 channels each) of `input` (`[h·w × channels]`) into `output`
    /// (`[ho·wo × channels]`). `weights` are packed (`pack`), `bias` is per channel. `scratch` holds at least
    /// `scratchCount(g)` floats; it is zeroed here (unless `zeroScratch` is false: a later band of the same
    /// layer), then each group overwrites only the interior. `rows`: the output rows to compute (a band; all by
    /// default); only the input rows they read are copied.
    static func run(input: UnsafePointer<Float>, channels: Int, groups: Range<Int>, weights: UnsafePointer<Float>,
                    bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, _ g: DepthwiseKernel.Geometry,
                    scratch: UnsafeMutablePointer<Float>, rows: Range<Int>? = nil, zeroScratch: Bool = true,
                    outputRow0: Int = 0) {
        guard !groups.isEmpty else { return }
        if zeroScratch { zeroBorder(scratch, g) }
        let band = rows ?? 0..<g.ho
        guard !band.isEmpty else { return }
        let inputRows = inputRows(g, band)
        for q in groups {
            fill(input + 16 * q, channels: channels, g, scratch: scratch, rows: inputRows)
            convolveGroup(q, scratch: scratch, weights: weights, bias: bias, output: output, outputRow0: outputRow0,
                          channels: channels, g, rows: band)
        }
    }

    /// Floats of one 16-channel group's zero-bordered plane (`scratchCount`); the expand GEMM can write its
    /// output straight into such planes (`ChannelsLastGEMM.Planes`), one per group, back to back.
    static func planeLayout(_ g: DepthwiseKernel.Geometry, firstPixel: Int) -> ChannelsLastGEMM.Planes {
        ChannelsLastGEMM.Planes(width: g.w, columns: columns(g), padTop: g.padTop, padLeft: g.padLeft,
                                planeFloats: scratchCount(g), firstPixel: firstPixel)
    }

    /// `run` on input already in zero-bordered group planes (`planeLayout`): no copy into a scratch plane, the
    /// taps read the planes in place. `zeroBorder`: write the planes' padding rings first (once per layer: the
    /// interiors are written by the expand GEMM, the rings hold whatever the buffer held before; block 0's planes
    /// come from the stem, which zeroes their rings itself).
    /// `outputRow0`: the output row `output` points at (a band's own buffer starts at the band's first row).
    static func runPadded(planes: UnsafeMutablePointer<Float>, groups: Range<Int>, channels: Int,
                          weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                          outputRow0: Int = 0, _ g: DepthwiseKernel.Geometry, rows band: Range<Int>, zeroBorder zero: Bool) {
        let plane = scratchCount(g)
        for q in groups {
            let scratch = planes + q * plane
            if zero { zeroBorder(scratch, g) }
            convolveGroup(q, scratch: scratch, weights: weights, bias: bias, output: output, outputRow0: outputRow0,
                          channels: channels, g, rows: band)
        }
    }

    /// Group `q`'s taps and bias, then the tap loops specialised for its kernel size, over `scratch` (the group's
    /// zero-bordered plane) into output rows `band`.
    @inline(__always)
    private static func convolveGroup(_ q: Int, scratch: UnsafeMutablePointer<Float>, weights: UnsafePointer<Float>,
                                      bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputRow0: Int,
                                      channels: Int, _ g: DepthwiseKernel.Geometry, rows band: Range<Int>) {
        let taps = weights + q * g.k * g.k * 16
        // The AVX-512 twin of `convolve` for k = 3 and 5 (`InferenceKernels`); it declines other sizes.
        if InferenceKernels.useAVX512,
           cnn_cl_depthwise_avx512(Int32(g.k), scratch, columns(g), Int32(g.stride), taps, bias + 16 * q, output + 16 * q,
                                   outputRow0, channels, g.wo, band.lowerBound, band.upperBound) != 0 {
            return
        }
        let b = UnsafeRawPointer(bias + 16 * q).loadUnaligned(as: Vec.self)
        switch g.k {
        case 3: convolve(DepthwiseKernel.K3.self, scratch: scratch, taps: taps, bias: b, output: output + 16 * q,
                         outputRow0: outputRow0, channels: channels, g, rows: band)
        case 5: convolve(DepthwiseKernel.K5.self, scratch: scratch, taps: taps, bias: b, output: output + 16 * q,
                         outputRow0: outputRow0, channels: channels, g, rows: band)
        default: convolve(DepthwiseKernel.KAny.self, scratch: scratch, taps: taps, bias: b,
                          output: output + 16 * q, outputRow0: outputRow0, channels: channels, g, rows: band)
        }
    }

    /// Zeroes the padding ring of the scratch plane (every group's `fill` overwrites only the interior): on the
    /// 112² planes the whole scratch is ~830 KB, its ring ~2 %.
    private static func zeroBorder(_ scratch: UnsafeMutablePointer<Float>, _ g: DepthwiseKernel.Geometry) {
        zeroBorder(scratch, planeLayout(g, firstPixel: 0), height: g.h, rows: 0..<g.h)
    }

    /// Zeroes the part of a zero-bordered plane's padding ring (`layout`, an image of `height` rows) that image rows
    /// `rows` touch: their left and right padding, plus the padding rows above row 0 and below the last row when
    /// `rows` include them. Slices of rows written by different threads zero disjoint parts.
    static func zeroBorder(_ plane: UnsafeMutablePointer<Float>, _ layout: ChannelsLastGEMM.Planes, height: Int,
                           rows: Range<Int>) {
        let cols = layout.columns, total = layout.planeFloats / (cols * 16)
        let interiorEnd = min(total, layout.padTop + height)
        if rows.lowerBound == 0 { plane.initialize(repeating: 0, count: layout.padTop * cols * 16) }
        if rows.upperBound >= height {
            (plane + interiorEnd * cols * 16).initialize(repeating: 0, count: (total - interiorEnd) * cols * 16)
        }
        let right = max(0, cols - layout.padLeft - layout.width)
        for y in rows where y + layout.padTop < interiorEnd {
            let row = plane + (y + layout.padTop) * cols * 16
            row.initialize(repeating: 0, count: layout.padLeft * 16)
            (row + (layout.padLeft + layout.width) * 16).initialize(repeating: 0, count: right * 16)
        }
    }

    /// Input rows that output rows `band` read (TF "SAME": padded row `oy·s + ky` is input row that − padTop).
    static func inputRows(_ g: DepthwiseKernel.Geometry, _ band: Range<Int>) -> Range<Int> {
        guard !band.isEmpty else { return 0..<0 }
        let lo = max(0, band.lowerBound * g.stride - g.padTop)
        return lo..<max(lo, min(g.h, (band.upperBound - 1) * g.stride + g.k - g.padTop))
    }

    /// One group's 16 channels of input rows `rows` into the scratch interior.
    @inline(__always)
    private static func fill(_ x: UnsafePointer<Float>, channels: Int, _ g: DepthwiseKernel.Geometry,
                             scratch: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let cols = columns(g)
        for y in rows {
            var src = UnsafeRawPointer(x + y * g.w * channels)
            var dst = UnsafeMutableRawPointer(scratch + ((y + g.padTop) * cols + g.padLeft) * 16)
            for _ in 0..<g.w {
                dst.storeBytes(of: src.loadUnaligned(as: Vec.self), as: Vec.self)
                src += channels * 4
                dst += 64
            }
        }
    }

    /// The tap loops, specialised for `k`. Two output pixels per step, each with two partial sums (even/odd
    /// kernel rows): four independent FMA chains. Taps are held in registers as far as there are any: in the
    /// x86-64-v3 build k = 5 needs 50 of AVX2's 16; the AVX-512 twin (`cnn_cl_depthwise_avx512`, chosen at run
    /// time by `convolveGroup`) holds all 25 in 32 registers.
    private static func convolve<K: DepthwiseKernel.KernelSize>(
        _: K.Type, scratch: UnsafeMutablePointer<Float>, taps: UnsafePointer<Float>, bias: Vec,
        output: UnsafeMutablePointer<Float>, outputRow0: Int, channels: Int, _ g: DepthwiseKernel.Geometry, rows: Range<Int>
    ) {
        let k = K.k ?? g.k
        let s = g.stride, cols = columns(g), wo = g.wo
        let zero = Vec(repeating: 0), six = Vec(repeating: 6)
        var w = InlineArray<25, Vec>(repeating: Vec())
        let inRegisters = k <= 5
        if inRegisters { for t in 0..<(k * k) { w[t] = UnsafeRawPointer(taps + 16 * t).loadUnaligned(as: Vec.self) } }
        @inline(__always) func tap(_ t: Int) -> Vec {
            inRegisters ? w[t] : UnsafeRawPointer(taps + 16 * t).loadUnaligned(as: Vec.self)
        }
        let step = s * 64   // bytes between the inputs of neighbouring output pixels
        for oy in rows {
            var out = UnsafeMutableRawPointer(output + (oy - outputRow0) * wo * channels)
            var ox = 0
            while ox + 2 <= wo {
                var a0 = bias, a0b = zero, a1 = bias, a1b = zero
                for ky in 0..<k {
                    let row = UnsafeRawPointer(scratch + ((oy * s + ky) * cols + ox * s) * 16)
                    for kx in 0..<k {
                        let t = tap(ky * k + kx)
                        let v0 = row.loadUnaligned(fromByteOffset: kx * 64, as: Vec.self)
                        let v1 = row.loadUnaligned(fromByteOffset: kx * 64 + step, as: Vec.self)
                        if ky & 1 == 0 { a0.addProduct(v0, t); a1.addProduct(v1, t) } else { a0b.addProduct(v0, t); a1b.addProduct(v1, t) }
                    }
                }
                out.storeBytes(of: DepthwiseKernel.clamp(a0 + a0b, zero, six), as: Vec.self)
                out.storeBytes(of: DepthwiseKernel.clamp(a1 + a1b, zero, six), toByteOffset: channels * 4, as: Vec.self)
                out += 2 * channels * 4
                ox += 2
            }
            if ox < wo {
                var a0 = bias, a0b = zero
                for ky in 0..<k {
                    let row = UnsafeRawPointer(scratch + ((oy * s + ky) * cols + ox * s) * 16)
                    for kx in 0..<k {
                        let v0 = row.loadUnaligned(fromByteOffset: kx * 64, as: Vec.self)
                        if ky & 1 == 0 { a0.addProduct(v0, tap(ky * k + kx)) } else { a0b.addProduct(v0, tap(ky * k + kx)) }
                    }
                }
                out.storeBytes(of: DepthwiseKernel.clamp(a0 + a0b, zero, six), as: Vec.self)
            }
        }
    }
}
