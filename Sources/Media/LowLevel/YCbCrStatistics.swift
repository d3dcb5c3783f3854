import CamsiftCore
#if canImport(Glibc)
import Glibc
#endif

/// Colour moments in YCbCr, the luminance/chrominance family among the low-level features of Yan, Chen, Shyu,
/// Chen ("Deep Learning for Imbalanced Multimedia Data Classification", §III-A).
///
/// The paper names "YCbCr statistics" without listing them; this takes the three colour moments of Stricker &
/// Orengo (1995) per channel — mean, standard deviation (population) and skewness as the signed cube root of the
/// third central moment — so 9 values, in channel-major order (Y, Cb, Cr), each divided by 255 to keep them on
/// the scale of the other features. The conversion is JPEG's full-range BT.601 (ITU-T T.871):
/// Y = 0.299 R + 0.587 G + 0.114 B, Cb = 128 − 0.168736 R − 0.331264 G + 0.5 B, Cr = 128 + 0.5 R − 0.418688 G −
/// 0.081312 B.
public struct YCbCrStatistics: Sendable, Equatable {
    public init() {}

    public var featureCount: Int { 9 }

    /// Full-range BT.601 YCbCr of one 8-bit RGB pixel (unrounded).
    public static func ycbcr(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (y: Double, cb: Double, cr: Double) {
        let rf = Double(r), gf = Double(g), bf = Double(b)
        return (0.299 * rf + 0.587 * gf + 0.114 * bf,
                128 - 0.168736 * rf - 0.331264 * gf + 0.5 * bf,
                128 + 0.5 * rf - 0.418688 * gf - 0.081312 * bf)
    }

    /// [meanY, sdY, skewY, meanCb, sdCb, skewCb, meanCr, sdCr, skewCr] / 255.
    public func features(_ frame: DecodedFrame) -> [Float] {
        let n = frame.width * frame.height
        guard n > 0 else { return [Float](repeating: 0, count: featureCount) }
        var channels = [[Double]](repeating: [], count: 3)
        for c in 0..<3 { channels[c].reserveCapacity(n) }
        for p in 0..<n {
            let v = Self.ycbcr(frame.rgb[3 * p], frame.rgb[3 * p + 1], frame.rgb[3 * p + 2])
            channels[0].append(v.y); channels[1].append(v.cb); channels[2].append(v.cr)
        }
        var out: [Float] = []
        for values in channels {
            let mean = values.reduce(0, +) / Double(n)
            var m2 = 0.0, m3 = 0.0
            for v in values { let d = v - mean; m2 += d * d; m3 += d * d * d }
            m2 /= Double(n); m3 /= Double(n)
            let skew = cbrt(m3)
            out += [Float(mean / 255), Float(m2.squareRoot() / 255), Float(skew / 255)]
        }
        return out
    }
}
