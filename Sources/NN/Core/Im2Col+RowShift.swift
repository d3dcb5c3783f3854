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

    /// Packs the kH·kW rows of one (channel, image) into `col` (layout as in `pack`).
    static func packRowShift(_ src: UnsafePointer<Float>, channel c: Int, image img: Int, ld: Int,
                             geometry g: WindowGeometry, into col: UnsafeMutablePointer<Float>) {
        let w = g.outW, outPlane = g.outPlane
        for ky in 0..<g.kH {
            let offY = ky * g.dilationH - g.pad.top
            let (yLo, yHi) = validRange(offset: offY, stride: 1, size: g.inH, outSize: g.outH)
            for kx in 0..<g.kW {
                let dst = col + ((c * g.kH + ky) * g.kW + kx) * ld + img * outPlane
                let offX = kx - g.pad.left
                let (xLo, xHi) = validRange(offset: offX, stride: 1, size: g.inW, outSize: w)
                guard yHi > yLo, xHi > xLo else {
                    memset(dst, 0, outPlane * 4)
                    continue
                }
                // Valid outputs run from (yLo, xLo) to (yHi − 1, xHi − 1); their inputs are contiguous.
                let first = yLo * w + xLo, last = (yHi - 1) * w + xHi
                memcpy(dst + first, src + (yLo + offY) * w + xLo + offX, (last - first) * 4)
                if first > 0 { memset(dst, 0, first * 4) }
                if last < outPlane { memset(dst + last, 0, (outPlane - last) * 4) }
                // Wrapped-around columns inside the span.
                if xLo > 0 || xHi < w {
                    for oy in yLo..<yHi {
                        let row = dst + oy * w
                        for ox in 0..<xLo { row[ox] = 0 }
                        for ox in xHi..<w { row[ox] = 0 }
                    }
                }
            }
        }
    }

    /// Adds the kH·kW rows of one (channel, image) of `col` into that image's channel plane `dst`: zeroes the
    /// wrapped-around entries of `col` (scratch), then adds each tap's span in one vectorised pass — the zeroed
    /// entries add exactly 0, so the sums are the per-row path's.
    static func unpackAddRowShift(_ col: UnsafeMutablePointer<Float>, channel c: Int, image img: Int, ld: Int,
                                  geometry g: WindowGeometry, into dst: UnsafeMutablePointer<Float>) {
        let w = g.outW, outPlane = g.outPlane
        for ky in 0..<g.kH {
            let offY = ky * g.dilationH - g.pad.top
            let (yLo, yHi) = validRange(offset: offY, stride: 1, size: g.inH, outSize: g.outH)
            for kx in 0..<g.kW {
                let src = col + ((c * g.kH + ky) * g.kW + kx) * ld + img * outPlane
                let offX = kx - g.pad.left
                let (xLo, xHi) = validRange(offset: offX, stride: 1, size: g.inW, outSize: w)
                guard yHi > yLo, xHi > xLo else { continue }
                if xLo > 0 || xHi < w {
                    for oy in yLo..<yHi {
                        let row = src + oy * w
                        for ox in 0..<xLo { row[ox] = 0 }
                        for ox in xHi..<w { row[ox] = 0 }
                    }
                }
                let first = yLo * w + xLo, count = (yHi - 1) * w + xHi - first
                let s = src + first, d = dst + (yLo + offY) * w + xLo + offX
                var i = 0
                while i + VectorKernels.lanes <= count {
                    VectorKernels.store(VectorKernels.load(d + i) + VectorKernels.load(s + i), d + i)
                    i += VectorKernels.lanes
                }
                while i < count {
                    d[i] += s[i]
                    i += 1
                }
            }
        }
    }
}
