import CamsiftCore

/// CEDD, the colour and edge directivity descriptor (Chatzichristofis & Boutalis, ICVS 2008), the fifth low-level
/// feature family of Yan, Chen, Shyu, Chen ("Deep Learning for Imbalanced Multimedia Data Classification",
/// §III-A): a 6 × 24 = 144-bin histogram of (texture class, fuzzy colour) over image blocks.
///
/// camsift's reading of the descriptor, written from the paper's description (no Debian library provides it):
/// 1. The frame is cut into at most `gridSide` × `gridSide` blocks (40 × 40 = 1,600 in the paper) of an even
///    width and height ≥ 2 (⌊size / gridSide⌋ rounded down to even); pixels beyond the last whole block are
///    not used.
/// 2. **Texture unit.** Each block is split into four sub-blocks whose mean luma (BT.601) a1 (top-left), a2
///    (top-right), a3 (bottom-left), a4 (bottom-right) feed the five MPEG-7 edge-histogram masks:
///    non-directional |2a1 − 2a2 − 2a3 + 2a4|, horizontal |a1 + a2 − a3 − a4|, vertical |a1 − a2 + a3 − a4|,
///    45° |√2 a1 − √2 a4|, 135° |√2 a2 − √2 a3|. If the largest is below T0 = 14 the block is "non-edge"
///    (texture 0); otherwise each mask divided by the largest joins its texture class when above its threshold
///    (non-directional T1 = 0.68 → 1, horizontal T2 = 0.98 → 2, vertical T2 → 3, 45° T3 = 0.98 → 4, 135° T3 → 5),
///    so a block can vote in several texture classes.
/// 3. **Colour unit.** The block's mean RGB → HSV (H in degrees, S and V on 0…255). The 10-bin fuzzy linking
///    system: trapezoidal memberships for 8 hue sets (red 0–5–10, orange 5–10–35–50, yellow 35–50–70–85, green
///    70–85–150–165, cyan 150–165–195–205, blue 195–205–265–280, magenta 265–280–315–330, red 315–330–360),
///    2 saturation sets (0–10–75, 10–75–255) and 3 value sets (0–10–75, 10–75–180–220, 180–220–255); the 48 rules
///    say: dark value → black; low saturation → grey (mid value) or white (bright value); else the hue's colour.
///    Each firing rule adds min(memberships) to its bin ("multi-participate" defuzzification). The 24-bin
///    system splits each of the 7 colours into light / normal / dark by two saturation and two value sets
///    (0–68–188, 68–188–255): dark value → dark; bright value and high saturation → normal; bright value and low
///    saturation → light. Bins: white, grey, black, then (light, normal, dark) × red, orange, yellow, green,
///    cyan, blue, magenta.
/// 4. The block's 24-bin colour vector is added to the 24 bins of each of its texture classes; the 144 bins are
///    divided by their sum.
/// Deviations: block means are real numbers (not truncated integers), and the final 3-bit Gustafson–Kessel
/// quantisation of the paper is not applied — it exists to make the descriptor 54 bytes for retrieval, while
/// here the histogram feeds PCA and a network that are better served by the unquantised values.
public struct CEDDDescriptor: Sendable, Equatable {
    public static let textures = 6
    public static let colours = 24
    public var gridSide: Int

    public init(gridSide: Int = 40) {
        precondition(gridSide >= 1, "CEDD grid side must be ≥ 1")
        self.gridSide = gridSide
    }

    public var featureCount: Int { Self.textures * Self.colours }

    /// Trapezoid membership (start, top start, top end, end) of one input.
    @inline(__always)
    static func trapezoid(_ x: Double, _ t: (Double, Double, Double, Double)) -> Double {
        let (a, b, c, d) = t
        if x >= b && x <= c { return 1 }
        if x >= a && x < b { return (x - a) / (b - a) }
        if x > c && x <= d { return (d - x) / (d - c) }
        return 0
    }

    static let hueSets: [(Double, Double, Double, Double)] = [
        (0, 0, 5, 10), (5, 10, 35, 50), (35, 50, 70, 85), (70, 85, 150, 165),
        (150, 165, 195, 205), (195, 205, 265, 280), (265, 280, 315, 330), (315, 330, 360, 360)]
    static let saturationSets: [(Double, Double, Double, Double)] = [(0, 0, 10, 75), (10, 75, 255, 255)]
    static let valueSets: [(Double, Double, Double, Double)] = [(0, 0, 10, 75), (10, 75, 180, 220), (180, 220, 255, 255)]
    static let shadeSets: [(Double, Double, Double, Double)] = [(0, 0, 68, 188), (68, 188, 255, 255)]

    /// The 10-bin fuzzy colour (lanes 0…9) without allocating: see `tenBin`.
    static func tenBinVector(hue: Double, saturation: Double, value: Double) -> SIMD16<Double> {
        var out = SIMD16<Double>()
        let ms = (trapezoid(saturation, saturationSets[0]), trapezoid(saturation, saturationSets[1]))
        let mv = (trapezoid(value, valueSets[0]), trapezoid(value, valueSets[1]), trapezoid(value, valueSets[2]))
        for h in 0..<8 {
            let mh = trapezoid(hue, hueSets[h])
            guard mh > 0 else { continue }
            for s in 0..<2 {
                let msv = s == 0 ? ms.0 : ms.1
                guard msv > 0 else { continue }
                for v in 0..<3 {
                    let mvv = v == 0 ? mv.0 : v == 1 ? mv.1 : mv.2
                    guard mvv > 0 else { continue }
                    // Dark value → black; low saturation → grey (mid value) or white (bright); else the hue's colour.
                    let bin = v == 0 ? 2 : s == 0 ? (v == 2 ? 0 : 1) : 3 + (h == 7 ? 0 : h)
                    out[bin] += Swift.min(mh, msv, mvv)
                }
            }
        }
        return out
    }

    /// The 10-bin fuzzy colour of (hue degrees, saturation 0…255, value 0…255): white, grey, black, red, orange,
    /// yellow, green, cyan, blue, magenta.
    public static func tenBin(hue: Double, saturation: Double, value: Double) -> [Double] {
        let v = tenBinVector(hue: hue, saturation: saturation, value: value)
        return (0..<10).map { v[$0] }
    }

    /// Light, normal, dark shares (lanes 0…2) of the 24-bin system for a saturation and value.
    static func shades(saturation: Double, value: Double) -> SIMD4<Double> {
        var shade = SIMD4<Double>()
        for s in 0..<2 {
            let ms = trapezoid(saturation, shadeSets[s])
            guard ms > 0 else { continue }
            for v in 0..<2 {
                let mv = trapezoid(value, shadeSets[v])
                guard mv > 0 else { continue }
                shade[v == 0 ? 2 : (s == 1 ? 1 : 0)] += Swift.min(ms, mv)
            }
        }
        return shade
    }

    /// The 24-bin expansion of a 10-bin colour: white, grey, black, then (light, normal, dark) per colour.
    public static func twentyFourBin(_ ten: [Double], saturation: Double, value: Double) -> [Double] {
        let shade = shades(saturation: saturation, value: value)
        var out = [Double](repeating: 0, count: 24)
        for i in 0..<3 { out[i] = ten[i] }
        for c in 3..<10 { for k in 0..<3 { out[(c - 2) * 3 + k] = ten[c] * shade[k] } }
        return out
    }

    /// Texture classes of a block as a bit set (bit t = class t) from its four sub-block mean lumas.
    static func textureMask(_ a1: Double, _ a2: Double, _ a3: Double, _ a4: Double) -> Int {
        let r2 = 2.0.squareRoot()
        let m = SIMD8<Double>(abs(2 * a1 - 2 * a2 - 2 * a3 + 2 * a4), abs(a1 + a2 - a3 - a4), abs(a1 - a2 + a3 - a4),
                              abs(r2 * a1 - r2 * a4), abs(r2 * a2 - r2 * a3), 0, 0, 0)
        let largest = m.max()
        guard largest >= 14 else { return 1 }
        var mask = 0
        for k in 0..<5 where m[k] / largest > (k == 0 ? 0.68 : 0.98) { mask |= 1 << (k + 1) }
        return mask
    }

    /// Texture classes of a block from its four sub-block mean lumas (top-left, top-right, bottom-left, bottom-right).
    public static func textureClasses(_ a1: Double, _ a2: Double, _ a3: Double, _ a4: Double) -> [Int] {
        let mask = textureMask(a1, a2, a3, a4)
        return (0..<6).filter { mask & (1 << $0) != 0 }
    }

    public func features(_ frame: DecodedFrame) -> [Float] {
        let w = frame.width, h = frame.height
        let stepX = Swift.max(2, (w / gridSide) & ~1), stepY = Swift.max(2, (h / gridSide) & ~1)
        let blocksX = Swift.min(gridSide, w / stepX), blocksY = Swift.min(gridSide, h / stepY)
        var histogram = [Double](repeating: 0, count: featureCount)
        frame.rgb.withUnsafeBufferPointer { px in
            for by in 0..<blocksY {
                for bx in 0..<blocksX {
                    var rgb = SIMD4<Double>(), quarter = SIMD4<Double>()
                    for y in (by * stepY)..<((by + 1) * stepY) {
                        let qy = y - by * stepY < stepY / 2 ? 0 : 2
                        for x in (bx * stepX)..<((bx + 1) * stepX) {
                            let p = 3 * (y * w + x)
                            let r = Double(px[p]), g = Double(px[p + 1]), b = Double(px[p + 2])
                            rgb += SIMD4(r, g, b, 0)
                            quarter[qy + (x - bx * stepX < stepX / 2 ? 0 : 1)] += 0.299 * r + 0.587 * g + 0.114 * b
                        }
                    }
                    let n = Double(stepX * stepY)
                    let a = quarter * (4 / n)
                    let textures = Self.textureMask(a[0], a[1], a[2], a[3])
                    let (hue, s, v) = Self.hsv(rgb[0] / n, rgb[1] / n, rgb[2] / n)
                    let ten = Self.tenBinVector(hue: hue, saturation: s, value: v)
                    let shade = Self.shades(saturation: s, value: v)
                    for t in 0..<6 where textures & (1 << t) != 0 {
                        let base = t * 24
                        for i in 0..<3 { histogram[base + i] += ten[i] }
                        for c in 3..<10 where ten[c] > 0 {
                            for k in 0..<3 { histogram[base + (c - 2) * 3 + k] += ten[c] * shade[k] }
                        }
                    }
                }
            }
        }
        let total = histogram.reduce(0, +)
        return histogram.map { total > 0 ? Float($0 / total) : 0 }
    }

    /// Hexcone HSV of a real-valued RGB (0…255): hue in degrees, saturation and value on 0…255.
    static func hsv(_ r: Double, _ g: Double, _ b: Double) -> (Double, Double, Double) {
        let maxc = Swift.max(r, g, b), minc = Swift.min(r, g, b)
        guard maxc > minc else { return (0, 0, maxc) }
        let delta = maxc - minc
        var hue = maxc == r ? (g - b) / delta : maxc == g ? 2 + (b - r) / delta : 4 + (r - g) / delta
        hue *= 60
        if hue < 0 { hue += 360 }
        return (hue, delta / maxc * 255, maxc)
    }
}
