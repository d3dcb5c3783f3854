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

    /// [meanY, sdY, skewY, meanCb, sdCb, skewCb, meanCr, sdCr, skewCr] / 255. Two passes over the pixels (means,
    /// then central moments), nothing stored per pixel.
    public func features(_ frame: DecodedFrame) -> [Float] {
        let n = frame.width * frame.height
        guard n > 0 else { return [Float](repeating: 0, count: featureCount) }
        return frame.rgb.withUnsafeBufferPointer { p -> [Float] in
            @inline(__always) func pixel(_ i: Int) -> SIMD4<Double> {
                let v = Self.ycbcr(p[3 * i], p[3 * i + 1], p[3 * i + 2])
                return SIMD4(v.y, v.cb, v.cr, 0)
            }
            var sum = SIMD4<Double>()
            for i in 0..<n { sum += pixel(i) }
            let mean = sum / Double(n)
            var m2 = SIMD4<Double>(), m3 = SIMD4<Double>()
            for i in 0..<n {
                let d = pixel(i) - mean
                m2 += d * d
                m3 += d * d * d
            }
            m2 /= Double(n)
            m3 /= Double(n)
            var out: [Float] = []
            for c in 0..<3 { out += [Float(mean[c] / 255), Float(m2[c].squareRoot() / 255), Float(cbrt(m3[c]) / 255)] }
            return out
        }
    }
}
