/// Separable resampling of interleaved RGB with 14-bit fixed-point weights: bilinear (2 taps) while the
/// reduction is below 2×, area averaging (box filter with fractional edge weights) beyond, so a decimating
/// resize never aliases. After DCT scaling to the smallest scale ≥ the target the reduction is ≤ 1.34×, so the
/// hot case is the 2-tap path.
struct RGBResampler {
    /// Per output coordinate: `taps` source indices and weights (summing to 1 << 14).
    struct Axis {
        var taps: Int
        var index: [Int32]
        var weight: [Int32]
        var minIndex: Int
        var maxIndex: Int
        /// 2-tap fast path: byte offset (`index * 3`) of the left tap, and per output *byte* (3 per pixel) the
        /// 8-bit weights of the left and right tap (summing to 256; the right one is 0 when both taps clamp to
        /// the same pixel, so the neighbour's bytes never matter).
        var offset3: [Int] = []
        var weightA: [UInt16] = []
        var weightB: [UInt16] = []

        static let one: Int32 = 1 << 14

        /// - Parameters: `start`/`length` the source window (fractional), `limit` the source size (indices are
        ///   clamped to `0..<limit`), `count` the output size.
        init(start: Double, length: Double, limit: Int, count: Int) {
            let ratio = length / Double(count)
            if ratio < 2 {
                taps = 2
                index = [Int32](repeating: 0, count: count * 2)
                weight = [Int32](repeating: 0, count: count * 2)
                for i in 0..<count {
                    let c = start + (Double(i) + 0.5) * ratio - 0.5
                    let f = c.rounded(.down)
                    let frac = c - f
                    let i0 = min(max(Int(f), 0), limit - 1), i1 = min(max(Int(f) + 1, 0), limit - 1)
                    let w1 = Int32((frac * Double(Self.one)).rounded())
                    index[2 * i] = Int32(i0); index[2 * i + 1] = Int32(i1)
                    weight[2 * i] = Self.one - w1; weight[2 * i + 1] = w1
                }
            } else {
                taps = Int(ratio.rounded(.up)) + 1
                index = [Int32](repeating: 0, count: count * taps)
                weight = [Int32](repeating: 0, count: count * taps)
                for i in 0..<count {
                    let lo = start + Double(i) * ratio, hi = lo + ratio
                    var ws = [Double](repeating: 0, count: taps)
                    let first = Int(lo.rounded(.down))
                    for t in 0..<taps {
                        let p = Double(first + t)
                        ws[t] = max(0, min(hi, p + 1) - max(lo, p)) / ratio
                    }
                    var acc: Int32 = 0
                    for t in 0..<taps {
                        let w = t == taps - 1 ? Self.one - acc : Int32((ws[t] * Double(Self.one)).rounded())
                        acc += w
                        index[i * taps + t] = Int32(min(max(first + t, 0), limit - 1))
                        weight[i * taps + t] = w
                    }
                }
            }
            minIndex = Int(index.min() ?? 0)
            maxIndex = Int(index.max() ?? 0)
            if taps == 2 {
                offset3 = (0..<count).map { Int(index[2 * $0]) * 3 }
                weightB = []
                weightB.reserveCapacity(count * 3)
                for i in 0..<count {
                    let w = index[2 * i + 1] == index[2 * i] ? 0 : UInt16(min(256, (weight[2 * i + 1] + 32) >> 6))
                    weightB += [w, w, w]
                }
                weightA = weightB.map { 256 - $0 }
            }
        }
    }

    /// Scratch rows between the two passes, reused across calls.
    private var scratch: [UInt8] = []
    /// Gathered left/right taps of one output row (2-tap horizontal pass).
    private var tapsA: [UInt8] = []
    private var tapsB: [UInt8] = []
    /// Axes of the last call: a camera's frames keep their size, so the weights are computed once.
    private var cachedKey: [Double] = []
    private var cachedAxes: (x: Axis, y: Axis)?

    /// Resamples `geometry.source*` of `src` (interleaved RGB, `pitch` bytes per row) into the target rectangle
    /// of `dst` (`dstWidth`×`dstHeight` RGB, which the caller zeroed where bars must be black).
    ///
    /// Vertical pass first: it blends whole source rows (restricted to the columns the horizontal taps read)
    /// with one weight pair per row, which vectorises; the gather-shaped horizontal pass then runs on only
    /// `targetHeight` rows instead of every source row.
    mutating func resample(
        src: UnsafePointer<UInt8>, width: Int, height: Int, pitch: Int,
        into dst: UnsafeMutablePointer<UInt8>, dstWidth: Int, geometry g: FitGeometry
    ) {
        let key = [Double(width), Double(height), g.sourceX, g.sourceY, g.sourceWidth, g.sourceHeight,
                   Double(g.targetWidth), Double(g.targetHeight)]
        if key != cachedKey || cachedAxes == nil {
            cachedAxes = (Axis(start: g.sourceX, length: g.sourceWidth, limit: width, count: g.targetWidth),
                          Axis(start: g.sourceY, length: g.sourceHeight, limit: height, count: g.targetHeight))
            cachedKey = key
        }
        let (ax, ay) = cachedAxes!
        let x0 = ax.minIndex
        let windowBytes = (ax.maxIndex - x0 + 1) * 3
        // +8: the 2-tap horizontal pass loads 8 bytes at the last pixel of the last row.
        if scratch.count < g.targetHeight * windowBytes + 8 {
            scratch = [UInt8](repeating: 0, count: g.targetHeight * windowBytes + 8)
        }
        scratch.withUnsafeMutableBufferPointer { tmpBuf in
            let tmp = tmpBuf.baseAddress!
            ay.index.withUnsafeBufferPointer { yi in
                ay.weight.withUnsafeBufferPointer { yw in
                    for y in 0..<g.targetHeight {
                        let o = tmp + y * windowBytes
                        if ay.taps == 2 {
                            let a = src + Int(yi[2 * y]) * pitch + x0 * 3
                            let b = src + Int(yi[2 * y + 1]) * pitch + x0 * 3
                            Self.blend2(a, b, yw[2 * y], yw[2 * y + 1], o, windowBytes)
                        } else {
                            for i in 0..<windowBytes {
                                var acc: Int32 = 1 << 13
                                for t in 0..<ay.taps {
                                    acc += Int32(src[Int(yi[y * ay.taps + t]) * pitch + x0 * 3 + i]) * yw[y * ay.taps + t]
                                }
                                o[i] = UInt8(truncatingIfNeeded: acc >> 14)
                            }
                        }
                    }
                }
            }
            if ax.taps == 2 {
                let n = g.targetWidth * 3
                if tapsA.count < n + 4 {
                    tapsA = [UInt8](repeating: 0, count: n + 4)
                    tapsB = [UInt8](repeating: 0, count: n + 4)
                }
                tapsA.withUnsafeMutableBufferPointer { ta in
                    tapsB.withUnsafeMutableBufferPointer { tb in
                        ax.offset3.withUnsafeBufferPointer { off in
                            ax.weightA.withUnsafeBufferPointer { wa in
                                ax.weightB.withUnsafeBufferPointer { wb in
                                    for y in 0..<g.targetHeight {
                                        let o = dst + ((g.targetY + y) * dstWidth + g.targetX) * 3
                                        Self.gather(tmp + y * windowBytes - x0 * 3, off.baseAddress!, g.targetWidth,
                                                    ta.baseAddress!, tb.baseAddress!)
                                        Self.blend(ta.baseAddress!, tb.baseAddress!, wa.baseAddress!, wb.baseAddress!, o, n)
                                    }
                                }
                            }
                        }
                    }
                }
            } else {
                ax.index.withUnsafeBufferPointer { xi in
                    ax.weight.withUnsafeBufferPointer { xw in
                        for y in 0..<g.targetHeight {
                            let o = dst + ((g.targetY + y) * dstWidth + g.targetX) * 3
                            Self.horizontal(tmp + y * windowBytes - x0 * 3, o, xi.baseAddress!, xw.baseAddress!,
                                            ax.taps, g.targetWidth)
                        }
                    }
                }
            }
        }
    }

    /// Horizontal bilinear, step 1: copy each output pixel's two source taps into two contiguous rows, one
    /// unaligned 8-byte load and two 4-byte stores per pixel (each store's 4th byte is overwritten by the next
    /// pixel; the rows carry 4 bytes of padding). Step 2 (`blend`) is then a straight, vectorisable loop.
    @inline(__always)
    private static func gather(
        _ s: UnsafePointer<UInt8>, _ off: UnsafePointer<Int>, _ count: Int,
        _ a: UnsafeMutablePointer<UInt8>, _ b: UnsafeMutablePointer<UInt8>
    ) {
        let raw = UnsafeRawPointer(s)
        let ra = UnsafeMutableRawPointer(a), rb = UnsafeMutableRawPointer(b)
        for x in 0..<count {
            let v = raw.loadUnaligned(fromByteOffset: off[x], as: UInt64.self)
            ra.storeBytes(of: UInt32(truncatingIfNeeded: v), toByteOffset: x &* 3, as: UInt32.self)
            rb.storeBytes(of: UInt32(truncatingIfNeeded: v >> 24), toByteOffset: x &* 3, as: UInt32.self)
        }
    }

    /// `o = (a·wa + b·wb + 128) >> 8` per byte with per-byte weights (wa + wb = 256; 255·256 + 128 < 2^16).
    @inline(__always)
    private static func blend(
        _ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ wa: UnsafePointer<UInt16>, _ wb: UnsafePointer<UInt16>,
        _ o: UnsafeMutablePointer<UInt8>, _ n: Int
    ) {
        for i in 0..<n {
            let v = UInt16(a[i]) &* wa[i] &+ UInt16(b[i]) &* wb[i] &+ 128
            o[i] = UInt8(truncatingIfNeeded: v >> 8)
        }
    }

    @inline(__always)
    private static func horizontal(
        _ s: UnsafePointer<UInt8>, _ o: UnsafeMutablePointer<UInt8>, _ xi: UnsafePointer<Int32>,
        _ xw: UnsafePointer<Int32>, _ taps: Int, _ count: Int
    ) {
        if taps == 2 {
            // Wrapping arithmetic: values are ≤ 255 × 2^14, far from overflow, and the checks cost ~40%.
            for x in 0..<count {
                let p0 = s + Int(xi[2 * x]) &* 3, p1 = s + Int(xi[2 * x + 1]) &* 3
                let w0 = xw[2 * x], w1 = xw[2 * x + 1]
                let q = o + x &* 3
                q[0] = UInt8(truncatingIfNeeded: (Int32(p0[0]) &* w0 &+ Int32(p1[0]) &* w1 &+ 8192) >> 14)
                q[1] = UInt8(truncatingIfNeeded: (Int32(p0[1]) &* w0 &+ Int32(p1[1]) &* w1 &+ 8192) >> 14)
                q[2] = UInt8(truncatingIfNeeded: (Int32(p0[2]) &* w0 &+ Int32(p1[2]) &* w1 &+ 8192) >> 14)
            }
        } else {
            for x in 0..<count {
                var r: Int32 = 8192, g: Int32 = 8192, b: Int32 = 8192
                for t in 0..<taps {
                    let p = s + Int(xi[x * taps + t]) * 3
                    let w = xw[x * taps + t]
                    r &+= Int32(p[0]) &* w; g &+= Int32(p[1]) &* w; b &+= Int32(p[2]) &* w
                }
                let q = o + x * 3
                q[0] = UInt8(truncatingIfNeeded: r >> 14)
                q[1] = UInt8(truncatingIfNeeded: g >> 14)
                q[2] = UInt8(truncatingIfNeeded: b >> 14)
            }
        }
    }

    /// `o = (a*wa + b*wb) >> 14` over a row: contiguous, same weights, so the compiler vectorises it.
    @inline(__always)
    private static func blend2(
        _ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ wa: Int32, _ wb: Int32,
        _ o: UnsafeMutablePointer<UInt8>, _ n: Int
    ) {
        if wb == 0 { o.update(from: a, count: n); return }
        // 8-bit weights summing to exactly 256: 255*256+128 still fits in 16 bits.
        let wb16 = UInt16(min(256, (wb + 32) >> 6)), wa16 = 256 - wb16
        for i in 0..<n {
            let v = UInt16(a[i]) &* wa16 &+ UInt16(b[i]) &* wb16 &+ 128
            o[i] = UInt8(truncatingIfNeeded: v >> 8)
        }
    }
}
