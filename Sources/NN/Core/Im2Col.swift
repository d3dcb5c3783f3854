#if canImport(Glibc)
import Glibc
#endif

/// im2col / col2im for GEMM convolution (Chellapilla et al. 2006, "High performance CNNs for document
/// processing"; the darknet/Caffe layout). A chunk of `images` images becomes a matrix with one row per
/// (channel, ky, kx) and one column per (image, oy, ox): row r = (c·kH + ky)·kW + kx, column = img·P + oy·OW + ox,
/// leading dimension `images · P`. Padding reads as zero.
enum Im2Col {
    /// Valid output-column range [lo, hi) for which `o·stride + offset` lands inside `0..<size`.
    @inline(__always)
    static func validRange(offset: Int, stride: Int, size: Int, outSize: Int) -> (Int, Int) {
        // o·s + offset >= 0  →  o >= ceil(-offset / s)
        var lo = 0
        if offset < 0 { lo = (-offset + stride - 1) / stride }
        // o·s + offset <= size - 1  →  o <= floor((size - 1 - offset) / s)
        let top = size - 1 - offset
        var hi = top < 0 ? 0 : top / stride + 1
        if hi > outSize { hi = outSize }
        if lo > hi { lo = hi }
        return (lo, hi)
    }

    /// Packs `images` consecutive NCHW images starting at `x` into `col` (see type docs).
    static func pack(_ x: UnsafePointer<Float>, channels: Int, images: Int, geometry g: WindowGeometry,
                     into col: UnsafeMutablePointer<Float>) {
        let plane = g.inPlane, outPlane = g.outPlane, ld = images * outPlane
        let tasks = channels * images
        let grain = Swift.max(1, 16_384 / Swift.max(1, g.kH * g.kW * outPlane))
        let rowShift = isRowShift(g)
        NNThreads.parallelChunks(tasks, grain: grain) { range in
            for t in range {
                let c = t / images, img = t % images
                let src = x + (img * channels + c) * plane
                if rowShift {
                    packRowShift(src, channel: c, image: img, ld: ld, geometry: g, into: col)
                    continue
                }
                for ky in 0..<g.kH {
                    let offY = ky * g.dilationH - g.pad.top
                    let (yLo, yHi) = validRange(offset: offY, stride: g.strideH, size: g.inH, outSize: g.outH)
                    for kx in 0..<g.kW {
                        let row = (c * g.kH + ky) * g.kW + kx
                        let dst = col + row * ld + img * outPlane
                        let offX = kx * g.dilationW - g.pad.left
                        let (xLo, xHi) = validRange(offset: offX, stride: g.strideW, size: g.inW, outSize: g.outW)
                        if yLo > 0 { memset(dst, 0, yLo * g.outW * 4) }
                        for oy in yLo..<yHi {
                            let d = dst + oy * g.outW
                            let s = src + (oy * g.strideH + offY) * g.inW + offX
                            if xLo > 0 { memset(d, 0, xLo * 4) }
                            if g.strideW == 1 {
                                if xHi > xLo { memcpy(d + xLo, s + xLo, (xHi - xLo) * 4) }
                            } else {
                                var ox = xLo
                                if g.strideW == 2 {
                                    // Even lanes of 32 consecutive inputs, while the 32 stay inside this row.
                                    let rowEnd = g.inW - offX
                                    while ox + 16 <= xHi && 2 * ox + 32 <= rowEnd {
                                        let v = UnsafeRawPointer(s + 2 * ox).loadUnaligned(as: SIMD32<Float>.self)
                                        UnsafeMutableRawPointer(d + ox).storeBytes(of: v.evenHalf, as: SIMD16<Float>.self)
                                        ox += 16
                                    }
                                }
                                while ox < xHi {
                                    d[ox] = s[ox * g.strideW]
                                    ox += 1
                                }
                            }
                            if xHi < g.outW { memset(d + xHi, 0, (g.outW - xHi) * 4) }
                        }
                        if yHi < g.outH { memset(dst + yHi * g.outW, 0, (g.outH - yHi) * g.outW * 4) }
                    }
                }
            }
        }
    }

    /// col2im: writes the gradient of `images` NCHW images at `dx` from the column matrix (overlapping windows
    /// sum). Each (channel, image) plane is zeroed just before its taps are added — in cache, instead of a
    /// separate pass over the whole gradient tensor beforehand. The column matrix is scratch: the row-shift path
    /// (see `isRowShift`) zeroes its out-of-window entries.
    static func unpack(_ col: UnsafeMutablePointer<Float>, channels: Int, images: Int, geometry g: WindowGeometry,
                       into dx: UnsafeMutablePointer<Float>) {
        let plane = g.inPlane, outPlane = g.outPlane, ld = images * outPlane
        let tasks = channels * images
        let grain = Swift.max(1, 16_384 / Swift.max(1, g.kH * g.kW * outPlane))
        let rowShift = isRowShift(g)
        NNThreads.parallelChunks(tasks, grain: grain) { range in
            for t in range {
                let c = t / images, img = t % images
                let dst = dx + (img * channels + c) * plane
                dst.initialize(repeating: 0, count: plane)
                if rowShift {
                    unpackAddRowShift(col, channel: c, image: img, ld: ld, geometry: g, into: dst)
                    continue
                }
                for ky in 0..<g.kH {
                    let offY = ky * g.dilationH - g.pad.top
                    let (yLo, yHi) = validRange(offset: offY, stride: g.strideH, size: g.inH, outSize: g.outH)
                    for kx in 0..<g.kW {
                        let row = (c * g.kH + ky) * g.kW + kx
                        let src = col + row * ld + img * outPlane
                        let offX = kx * g.dilationW - g.pad.left
                        let (xLo, xHi) = validRange(offset: offX, stride: g.strideW, size: g.inW, outSize: g.outW)
                        for oy in yLo..<yHi {
                            let s = src + oy * g.outW
                            let d = dst + (oy * g.strideH + offY) * g.inW + offX
                            if g.strideW == 1 {
                                for ox in xLo..<Swift.max(xLo, xHi) { d[ox] += s[ox] }
                            } else {
                                var ox = xLo
                                while ox < xHi {
                                    d[ox * g.strideW] += s[ox]
                                    ox += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// [images][rows][P] (NCHW chunk) → [rows][images·P] (GEMM layout), or back with `scatter`.
    static func transposeBlocks(_ src: UnsafePointer<Float>, rows: Int, images: Int, plane: Int,
                                into dst: UnsafeMutablePointer<Float>, toGEMMLayout: Bool) {
        let ld = images * plane
        NNThreads.parallelChunks(rows, grain: Swift.max(1, 8192 / Swift.max(1, images * plane))) { range in
            for r in range {
                for img in 0..<images {
                    let nchw = (img * rows + r) * plane
                    let gemm = r * ld + img * plane
                    if toGEMMLayout {
                        memcpy(dst + gemm, src + nchw, plane * 4)
                    } else {
                        memcpy(dst + nchw, src + gemm, plane * 4)
                    }
                }
            }
        }
    }
}
