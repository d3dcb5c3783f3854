import CamsiftCore

/// Joint HSV colour histogram, the colour-distribution family among the low-level features of Yan, Chen, Shyu,
/// Chen ("Deep Learning for Imbalanced Multimedia Data Classification", §III-A).
///
/// The paper does not give the quantisation; this uses the common non-uniform-free reading: hue in `hueBins`
/// equal sectors of 360°, saturation and value in `saturationBins` / `valueBins` equal steps of [0, 1]
/// (default 8 × 3 × 3 = 72 bins), counts divided by the pixel count so frames of any size compare.
/// HSV is the hexcone model (Smith 1978), as Python's `colorsys.rgb_to_hsv`: V = max, S = (max − min) / max,
/// H from the dominant channel; a grey pixel (max = min) has hue 0.
public struct HSVHistogram: Sendable, Equatable {
    public var hueBins: Int
    public var saturationBins: Int
    public var valueBins: Int

    public init(hueBins: Int = 8, saturationBins: Int = 3, valueBins: Int = 3) {
        precondition(hueBins >= 1 && saturationBins >= 1 && valueBins >= 1, "HSV bins must be ≥ 1")
        self.hueBins = hueBins
        self.saturationBins = saturationBins
        self.valueBins = valueBins
    }

    public var featureCount: Int { hueBins * saturationBins * valueBins }

    /// Hue in degrees [0, 360), saturation and value in [0, 1] of one 8-bit RGB pixel.
    public static func hsv(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (h: Double, s: Double, v: Double) {
        let rf = Double(r) / 255, gf = Double(g) / 255, bf = Double(b) / 255
        let maxc = Swift.max(rf, gf, bf), minc = Swift.min(rf, gf, bf)
        let v = maxc
        guard maxc > minc else { return (0, 0, v) }
        let delta = maxc - minc
        let s = delta / maxc
        var h: Double
        if maxc == rf { h = (gf - bf) / delta } else if maxc == gf { h = 2 + (bf - rf) / delta } else { h = 4 + (rf - gf) / delta }
        h *= 60
        if h < 0 { h += 360 }
        return (h, s, v)
    }

    /// Bin index of one pixel: `(hueBin · saturationBins + saturationBin) · valueBins + valueBin`.
    public func bin(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        let (h, s, v) = Self.hsv(r, g, b)
        let hb = Swift.min(Int(h / 360 * Double(hueBins)), hueBins - 1)
        let sb = Swift.min(Int(s * Double(saturationBins)), saturationBins - 1)
        let vb = Swift.min(Int(v * Double(valueBins)), valueBins - 1)
        return (hb * saturationBins + sb) * valueBins + vb
    }

    /// Normalised histogram (sums to 1) of a frame.
    public func features(_ frame: DecodedFrame) -> [Float] {
        var counts = [Int](repeating: 0, count: featureCount)
        let n = frame.width * frame.height
        for p in 0..<n { counts[bin(frame.rgb[3 * p], frame.rgb[3 * p + 1], frame.rgb[3 * p + 2])] += 1 }
        guard n > 0 else { return counts.map(Float.init) }
        return counts.map { Float($0) / Float(n) }
    }
}
