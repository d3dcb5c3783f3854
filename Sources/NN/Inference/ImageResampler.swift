import CamsiftCore

/// Resizes interleaved 8-bit RGB to a square model input: separable resampling with a triangle (bilinear)
/// filter whose support widens with the downscale factor, i.e. antialiased like PIL's `BILINEAR` resize, so
/// a 4000-px photo and a 640-px frame of the same scene give the same input.
public enum ImageResampler {
    /// `FitMode.crop`: the central square of side `cropFraction × shorter side`, scaled to `size × size`.
    /// 0.875 is the EfficientNet evaluation crop (224 of 256, Tan & Le 2019's reference preprocessing).
    /// `FitMode.letterbox`: the whole image scaled by its longer side and centred on black bars.
    public static func fit(_ frame: DecodedFrame, size: Int, mode: FitMode = .crop, cropFraction: Double = 0.875)
        -> DecodedFrame {
        let w = frame.width, h = frame.height
        switch mode {
        case .crop:
            let side = max(1.0, Double(min(w, h)) * cropFraction)
            let x0 = (Double(w) - side) / 2, y0 = (Double(h) - side) / 2
            let rgb = resample(frame.rgb, width: w, height: h, x0: x0, y0: y0, srcW: side, srcH: side,
                               outW: size, outH: size)
            return DecodedFrame(width: size, height: size, rgb: rgb)
        case .letterbox:
            let scale = Double(size) / Double(max(w, h))
            let ow = max(1, Int((Double(w) * scale).rounded())), oh = max(1, Int((Double(h) * scale).rounded()))
            let inner = resample(frame.rgb, width: w, height: h, x0: 0, y0: 0, srcW: Double(w), srcH: Double(h),
                                 outW: ow, outH: oh)
            var rgb = [UInt8](repeating: 0, count: size * size * 3)
            let ox = (size - ow) / 2, oy = (size - oh) / 2
            for y in 0..<oh {
                for x in 0..<(ow * 3) { rgb[((oy + y) * size + ox) * 3 + x] = inner[y * ow * 3 + x] }
            }
            return DecodedFrame(width: size, height: size, rgb: rgb)
        }
    }

    /// Per-output-pixel taps along one axis: first source index and normalised weights.
    struct Taps {
        var start: [Int] = []
        var weights: [[Float]] = []
    }

    static func taps(srcOrigin: Double, srcLength: Double, inSize: Int, outSize: Int) -> Taps {
        let scale = srcLength / Double(outSize)
        let support = max(1.0, scale)
        var t = Taps()
        for o in 0..<outSize {
            let center = srcOrigin + (Double(o) + 0.5) * scale
            let lo = max(0, Int((center - support).rounded(.down)))
            let hi = min(inSize - 1, Int((center + support).rounded(.up)))
            var ws: [Float] = []
            var sum = 0.0
            for i in lo...max(lo, hi) {
                let d = abs((Double(i) + 0.5 - center) / support)
                let wgt = max(0, 1 - d)
                ws.append(Float(wgt))
                sum += wgt
            }
            if sum <= 0 {
                ws = [1] + [Float](repeating: 0, count: ws.count - 1)
                sum = 1
            }
            t.start.append(lo)
            t.weights.append(ws.map { $0 / Float(sum) })
        }
        return t
    }

    static func resample(_ rgb: [UInt8], width: Int, height: Int, x0: Double, y0: Double, srcW: Double,
                         srcH: Double, outW: Int, outH: Int) -> [UInt8] {
        let tx = taps(srcOrigin: x0, srcLength: srcW, inSize: width, outSize: outW)
        let ty = taps(srcOrigin: y0, srcLength: srcH, inSize: height, outSize: outH)
        // Vertical pass only over the source rows the output needs, horizontal pass per output row.
        var out = [UInt8](repeating: 0, count: outW * outH * 3)
        var row = [Float](repeating: 0, count: width * 3)
        rgb.withUnsafeBufferPointer { src in
            for oy in 0..<outH {
                for i in row.indices { row[i] = 0 }
                for (j, wy) in ty.weights[oy].enumerated() where wy != 0 {
                    let base = (ty.start[oy] + j) * width * 3
                    for i in 0..<(width * 3) { row[i] += wy * Float(src[base + i]) }
                }
                for ox in 0..<outW {
                    var acc = SIMD3<Float>(0, 0, 0)
                    for (j, wx) in tx.weights[ox].enumerated() {
                        let p = (tx.start[ox] + j) * 3
                        acc += wx * SIMD3(row[p], row[p + 1], row[p + 2])
                    }
                    let q = (oy * outW + ox) * 3
                    out[q] = UInt8(min(max(acc.x.rounded(), 0), 255))
                    out[q + 1] = UInt8(min(max(acc.y.rounded(), 0), 255))
                    out[q + 2] = UInt8(min(max(acc.z.rounded(), 0), 255))
                }
            }
        }
        return out
    }
}
