import CamsiftCore

/// Luma statistics and a content hash of one decoded frame, computed in a single pass (the filter's cost).
struct FrameStatistics {
    var lumaStdDev: Double
    /// Share of pixels in the most populated of 16 luma bins.
    var dominantFraction: Double
    /// FNV-1a 64 over a 32×32 grey thumbnail (per-cell luma sums), exact values.
    var hash: UInt64

    static let thumb = 32

    init(_ frame: DecodedFrame) {
        let w = frame.width, h = frame.height, n = w * h
        var hist = [Int](repeating: 0, count: 16)
        var sum = 0, sumSq = 0
        var cells = [Int](repeating: 0, count: Self.thumb * Self.thumb)
        frame.rgb.withUnsafeBufferPointer { p in
            for y in 0..<h {
                let ty = y * Self.thumb / h
                for x in 0..<w {
                    let i = (y * w + x) * 3
                    // BT.601 luma in integer arithmetic: (77 R + 150 G + 29 B) / 256.
                    let l = (77 * Int(p[i]) + 150 * Int(p[i + 1]) + 29 * Int(p[i + 2])) >> 8
                    sum += l
                    sumSq += l * l
                    hist[l >> 4] += 1
                    let c = ty * Self.thumb + x * Self.thumb / w
                    cells[c] += l
                }
            }
        }
        let mean = Double(sum) / Double(max(n, 1))
        lumaStdDev = (max(0, Double(sumSq) / Double(max(n, 1)) - mean * mean)).squareRoot()
        dominantFraction = Double(hist.max() ?? 0) / Double(max(n, 1))
        var hv: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<cells.count {
            // Cell sums, not means: rounding a mean would let sensor noise cancel out and call a static live
            // scene frozen; sums of identical pixels are identical, sums of noisy ones are not.
            let v = cells[i]
            hv = (hv ^ UInt64(v)) &* 0x0000_0100_0000_01B3
        }
        hash = hv
    }
}
