import CamsiftCore

/// Luma statistics and a content hash of one decoded frame, computed in a single pass (the filter's cost).
///
/// This runs on every sampled frame on the decode thread (1,000 frames/s at 10,000 cameras), so the inner loop
/// is written for speed: raw pointers instead of bounds-checked arrays, a precomputed column → thumbnail-cell
/// table instead of a division per pixel, and one row of cell sums accumulated locally before it is added.
struct FrameStatistics {
    var lumaStdDev: Double
    /// Share of pixels in the most populated of 16 luma bins.
    var dominantFraction: Double
    /// FNV-1a 64 over a 32×32 grey thumbnail (per-cell luma sums), exact values.
    var hash: UInt64

    static let thumb = 32

    init(_ frame: DecodedFrame) {
        let w = frame.width, h = frame.height, n = w * h
        let t = Self.thumb
        var hist = [Int](repeating: 0, count: 16)
        var cells = [Int](repeating: 0, count: t * t)
        let column = (0..<max(w, 1)).map { $0 * t / max(w, 1) }
        var sum = 0, sumSq = 0
        frame.rgb.withUnsafeBufferPointer { px in
            hist.withUnsafeMutableBufferPointer { hp in
                cells.withUnsafeMutableBufferPointer { cp in
                    column.withUnsafeBufferPointer { col in
                        guard let p = px.baseAddress, px.count >= n * 3 else { return }
                        for y in 0..<h {
                            let row = cp.baseAddress! + (y * t / h) * t
                            var q = p + y * w * 3
                            for x in 0..<w {
                                // BT.601 luma in integer arithmetic: (77 R + 150 G + 29 B) / 256.
                                let l = (77 &* Int(q[0]) &+ 150 &* Int(q[1]) &+ 29 &* Int(q[2])) &>> 8
                                q += 3
                                sum &+= l
                                sumSq &+= l &* l
                                hp[l &>> 4] &+= 1
                                row[col[x]] &+= l
                            }
                        }
                    }
                }
            }
        }
        let mean = Double(sum) / Double(max(n, 1))
        lumaStdDev = (max(0, Double(sumSq) / Double(max(n, 1)) - mean * mean)).squareRoot()
        dominantFraction = Double(hist.max() ?? 0) / Double(max(n, 1))
        var hv: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in cells {
            // Cell sums, not means: rounding a mean would let sensor noise cancel out and call a static live
            // scene frozen; sums of identical pixels are identical, sums of noisy ones are not.
            hv = (hv ^ UInt64(bitPattern: Int64(v))) &* 0x0000_0100_0000_01B3
        }
        hash = hv
    }
}
