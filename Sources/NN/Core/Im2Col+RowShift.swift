#if canImport(Glibc)
import Glibc
#endif

/// The im2col fast path for "same"-width, stride-1 windows (every 3×3/1 conv with padding 1: the small CNN's
/// three convs). There, the tap (ky, kx) of output (oy, ox) reads input (oy + offY, ox + offX) with outW == inW, so
/// a whole tap row of the column matrix is *one contiguous span* of the input plane shifted by
/// offY·W + offX; only the positions whose column falls off the left/right edge (|offX| per output row) wrap
/// around and must read as zero. One memcpy per tap plus a few scalar fixes replaces one short memcpy (7–28
/// floats) per output row, the cost that dominated im2col and col2im on 7×7–28×28 planes (perf, 2026-12-02).
extension Im2Col {
    /// Stride 1 both ways, no horizontal dilation, output as wide as the input.
    static func isRowShift(_ g: WindowGeometry) -> Bool {
        g.strideH == 1 && g.strideW == 1 && g.dilationW == 1 && g.outW == g.inW
    }

    /// Calls `body(tapRow, first, last, sourceOffset)` for every tap (ky, kx) of channel `c` that reads at least one
    /// input: `tapRow` is the tap's row index in the column matrix, [first, last) the span of output positions from
    /// the first valid (yLo, xLo) to the last valid (yHi − 1, xHi − 1), and `sourceOffset` what to add to an output
    /// position to get its input position. Taps that read nothing get `empty(tapRow)`. Before `body`, the columns
    /// of `row(tapRow)` that wrap around inside the span (ox < xLo or ox ≥ xHi in rows yLo..<yHi) are zeroed, or
    /// not, as `zeroWrapped` says: pack zeroes them after its copy, col2im before its add.
    @inline(__always)
    private static func forEachTap(_ g: WindowGeometry, channel c: Int,
                                   _ body: (_ tapRow: Int, _ first: Int, _ last: Int, _ sourceOffset: Int,
                                            _ zeroWrapped: (UnsafeMutablePointer<Float>) -> Void) -> Void,
                                   empty: (_ tapRow: Int) -> Void) {
        let w = g.outW
        for ky in 0..<g.kH {
            let offY = ky * g.dilationH - g.pad.top
            let (yLo, yHi) = validRange(offset: offY, stride: 1, size: g.inH, outSize: g.outH)
            for kx in 0..<g.kW {
                let tapRow = (c * g.kH + ky) * g.kW + kx
                let offX = kx - g.pad.left
                let (xLo, xHi) = validRange(offset: offX, stride: 1, size: g.inW, outSize: w)
                guard yHi > yLo, xHi > xLo else {
                    empty(tapRow)
                    continue
                }
                body(tapRow, yLo * w + xLo, (yHi - 1) * w + xHi, offY * w + offX) { plane in
                    guard xLo > 0 || xHi < w else { return }
                    for oy in yLo..<yHi {
                        let row = plane + oy * w
                        for ox in 0..<xLo { row[ox] = 0 }
                        for ox in xHi..<w { row[ox] = 0 }
                    }
                }
            }
        }
    }

    /// Packs the kH·kW rows of one (channel, image) into `col` (layout as in `pack`).
    static func packRowShift(_ src: UnsafePointer<Float>, channel c: Int, image img: Int, ld: Int,
                             geometry g: WindowGeometry, into col: UnsafeMutablePointer<Float>) {
        let outPlane = g.outPlane
        forEachTap(g, channel: c, { tapRow, first, last, sourceOffset, zeroWrapped in
            let dst = col + tapRow * ld + img * outPlane
            // The valid outputs' inputs are one contiguous span of the input plane.
            memcpy(dst + first, src + first + sourceOffset, (last - first) * 4)
            if first > 0 { memset(dst, 0, first * 4) }
            if last < outPlane { memset(dst + last, 0, (outPlane - last) * 4) }
            zeroWrapped(dst)
        }, empty: { tapRow in
            memset(col + tapRow * ld + img * outPlane, 0, outPlane * 4)
        })
    }

    /// Adds the kH·kW rows of one (channel, image) of `col` into that image's channel plane `dst`: zeroes the
    /// wrapped-around entries of `col` (scratch), then adds each tap's span in one vectorised pass — the zeroed
    /// entries add exactly 0, so the sums are the per-row path's.
    static func unpackAddRowShift(_ col: UnsafeMutablePointer<Float>, channel c: Int, image img: Int, ld: Int,
                                  geometry g: WindowGeometry, into dst: UnsafeMutablePointer<Float>) {
        let outPlane = g.outPlane
        forEachTap(g, channel: c, { tapRow, first, last, sourceOffset, zeroWrapped in
            let src = col + tapRow * ld + img * outPlane
            zeroWrapped(src)
            let count = last - first, s = src + first, d = dst + first + sourceOffset
            var i = 0
            while i + VectorKernels.lanes <= count {
                VectorKernels.store(VectorKernels.load(d + i) + VectorKernels.load(s + i), d + i)
                i += VectorKernels.lanes
            }
            while i < count {
                d[i] += s[i]
                i += 1
            }
        }, empty: { _ in })
    }
}
