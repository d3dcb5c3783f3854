import CamsiftCore

/// Real-time augmentation, applied per draw (no augmented copies on disk), with the method's parameters
/// (Keras `ImageDataGenerator(shear_range=0.2, horizontal_flip=True, rotation_range=10,
/// width_shift_range=0.2, height_shift_range=0.2)`) plus a brightness jitter. Geometric ops compose into
/// one affine map about the image centre, sampled bilinearly with edge clamping (Keras' `fill_mode`
/// "nearest"), so an image is resampled once. Shear is in radians (Keras ≤ 2.2 semantics).
///
/// Two named presets: `method`, the published ranges, and `standard`, the pad-and-crop shift plus flip of the
/// common small-image recipe (issue 16's reference protocol). The method's ranges were published for 299-pixel
/// photos; on a 28-pixel image a 20 % shift and 0.2 rad shear move the object by 6 pixels and cut it, which
/// the long-tail benchmark measured as the largest part of the gap to a standard PyTorch run.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Maximum shear angle, radians.
    public var shear: Float
    /// Flip left-right with probability 1/2.
    public var horizontalFlip: Bool
    /// Maximum rotation, degrees (uniform in ±rotation).
    public var rotationDegrees: Float
    /// Maximum shifts as a fraction of width / height.
    public var widthShift: Float
    public var heightShift: Float
    /// Brightness factor uniform in [1 − b, 1 + b].
    public var brightness: Float
    /// Shifts by a whole number of pixels, uniform over −s…s with s = round(shift · side) (a random crop of
    /// an edge-padded image), instead of a continuous shift resampled bilinearly (which also blurs).
    public var wholePixelShift: Bool
    /// Pixels shifted in from outside the image are 0 (black: the zero padding of PyTorch's pad-and-crop,
    /// `F.pad(value=0)` / `RandomCrop(padding=…)`) instead of the nearest edge pixel (Keras' `fill_mode="nearest"`).
    public var zeroPad: Bool
    /// Random erasing (Zhong et al. 2020, Algorithm 1): with this probability one rectangle of 2–40 % of the image
    /// area and aspect ratio 0.3–3.3 is filled with uniform random pixel values, after the geometric ops. It makes
    /// an image the network has already seen many times (a tail class drawn ~25× per pass under class-balanced
    /// draws) look different each time without moving it off the test distribution the way large shifts do.
    /// 0 = off (and then no random draws are spent on it, so earlier seeds draw as before).
    public var erase: Float

    public init(shear: Float = 0.2, horizontalFlip: Bool = true, rotationDegrees: Float = 10,
                widthShift: Float = 0.2, heightShift: Float = 0.2, brightness: Float = 0.2, wholePixelShift: Bool = false,
                zeroPad: Bool = false, erase: Float = 0) {
        self.shear = shear
        self.horizontalFlip = horizontalFlip
        self.rotationDegrees = rotationDegrees
        self.widthShift = widthShift
        self.heightShift = heightShift
        self.brightness = brightness
        self.wholePixelShift = wholePixelShift
        self.zeroPad = zeroPad
        self.erase = erase
    }

    private enum CodingKeys: String, CodingKey {
        case shear, horizontalFlip, rotationDegrees, widthShift, heightShift, brightness, wholePixelShift, zeroPad, erase
    }

    /// Bundles written before `wholePixelShift` / `zeroPad` / `erase` existed decode with them off (what they trained with).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(shear: try c.decode(Float.self, forKey: .shear),
                  horizontalFlip: try c.decode(Bool.self, forKey: .horizontalFlip),
                  rotationDegrees: try c.decode(Float.self, forKey: .rotationDegrees),
                  widthShift: try c.decode(Float.self, forKey: .widthShift),
                  heightShift: try c.decode(Float.self, forKey: .heightShift),
                  brightness: try c.decode(Float.self, forKey: .brightness),
                  wholePixelShift: try c.decodeIfPresent(Bool.self, forKey: .wholePixelShift) ?? false,
                  zeroPad: try c.decodeIfPresent(Bool.self, forKey: .zeroPad) ?? false,
                  erase: try c.decodeIfPresent(Float.self, forKey: .erase) ?? 0)
    }

    /// The method's parameters plus ±20% brightness.
    public static let method = Augmentation()
    /// Pad-and-crop: a whole-pixel shift of up to 1/14 of each side (±2 px at 28 px, ±16 px at 224 px: it
    /// scales with the input) of the zero-padded image and a left-right flip; no rotation, shear or brightness.
    public static let standard = Augmentation(shear: 0, horizontalFlip: true, rotationDegrees: 0, widthShift: 1.0 / 14,
                                              heightShift: 1.0 / 14, brightness: 0, wholePixelShift: true, zeroPad: true)
    /// The presets by name, as `camsift train --augment` takes them.
    public static let presets: [(name: String, value: Augmentation)] = [("standard", .standard), ("method", .method)]
    /// Identity (evaluation).
    public static let none = Augmentation(shear: 0, horizontalFlip: false, rotationDegrees: 0, widthShift: 0,
                                          heightShift: 0, brightness: 0)

    public var isIdentity: Bool { self == .none }

    /// Every range multiplied by `factor` (the flip is kept): a milder (or stronger) version of the same mix.
    public func scaled(_ factor: Float) -> Augmentation {
        Augmentation(shear: shear * factor, horizontalFlip: horizontalFlip, rotationDegrees: rotationDegrees * factor,
                     widthShift: widthShift * factor, heightShift: heightShift * factor, brightness: brightness * factor,
                     wholePixelShift: wholePixelShift, zeroPad: zeroPad, erase: erase)
    }

    /// One random draw of the parameters for a `width × height` image; `unit` returns uniforms in [0, 1).
    /// Without `wholePixelShift` the size is not used and the draws are those of every earlier version.
    public func draw(width: Int, height: Int, _ unit: () -> Double) -> AugmentationDraw {
        func sym(_ r: Float) -> Float { r == 0 ? 0 : Float(unit() * 2 - 1) * r }
        func pixels(_ r: Float, _ side: Int) -> Float {
            let s = Int((r * Float(side)).rounded())
            guard s > 0 else { return 0 }
            return Float(min(2 * s, Int(unit() * Double(2 * s + 1))) - s) / Float(side)
        }
        let flip = horizontalFlip && unit() < 0.5
        let rotation = sym(rotationDegrees) * .pi / 180
        let shear = sym(shear)
        let shiftX = wholePixelShift ? pixels(widthShift, width) : sym(widthShift)
        let shiftY = wholePixelShift ? pixels(heightShift, height) : sym(heightShift)
        var d = AugmentationDraw(flip: flip, rotation: rotation, shear: shear, shiftX: shiftX, shiftY: shiftY,
                                 brightness: 1 + sym(brightness), zeroPad: zeroPad)
        if erase > 0 && unit() < Double(erase) { d.erased = Self.eraseRect(width: width, height: height, unit) }
        return d
    }

    /// Zhong et al.'s rectangle: area S_e ∈ [0.02, 0.4]·W·H, aspect r_e ∈ [0.3, 1/0.3] (uniform in log r_e, as
    /// torchvision), retried until it fits (10 tries), at a uniform position; the fill's seed comes from `unit` too.
    static func eraseRect(width: Int, height: Int, _ unit: () -> Double) -> AugmentationDraw.Erased? {
        let area = Double(width * height)
        for _ in 0..<10 {
            let target = area * (0.02 + unit() * (0.4 - 0.02))
            let aspect = exp(log(0.3) + unit() * (log(1 / 0.3) - log(0.3)))
            let h = Int((target * aspect).squareRoot().rounded()), w = Int((target / aspect).squareRoot().rounded())
            guard w >= 1, h >= 1, w < width, h < height else { continue }
            let x = min(width - w, Int(unit() * Double(width - w + 1))), y = min(height - h, Int(unit() * Double(height - h + 1)))
            return AugmentationDraw.Erased(x: x, y: y, width: w, height: h, seed: UInt64(unit() * 0x1p53))
        }
        return nil
    }

    /// Applies one draw; the identity draw returns the input unchanged.
    public static func apply(_ d: AugmentationDraw, to img: FloatImage) -> FloatImage {
        var out = img
        apply(d, to: img, into: &out)
        return out
    }

    /// Applies one draw into `out` (same shape as `img`), allocation-free when `out` is reused.
    public static func apply(_ d: AugmentationDraw, to img: FloatImage, into out: inout FloatImage) {
        let h = img.height, w = img.width
        let cy = Float(h - 1) / 2, cx = Float(w - 1) / 2
        // Forward map: x' = R·Sh·F·(x − c) + c + t. We sample the source at the inverse map of each output.
        let (cosr, sinr) = (cos(d.rotation), sin(d.rotation))
        let f: Float = d.flip ? -1 : 1
        // M = R · [[1, −sin s],[0, cos s]] · diag(f, 1)   (Keras' shear matrix)
        let (ss, cs) = (sin(d.shear), cos(d.shear))
        let m00 = cosr * f, m01 = cosr * -ss - sinr * cs
        let m10 = sinr * f, m11 = sinr * -ss + cosr * cs
        let det = m00 * m11 - m01 * m10
        let (i00, i01, i10, i11) = (m11 / det, -m01 / det, -m10 / det, m00 / det)
        // Whole-pixel draws (k / side) come back as k ± an ulp: snap them so the crop is exact, not a blend.
        func snap(_ v: Float) -> Float { abs(v - v.rounded()) < 1e-3 ? v.rounded() : v }
        let tx = snap(d.shiftX * Float(w)), ty = snap(d.shiftY * Float(h))
        let identityGeometry = !d.flip && d.rotation == 0 && d.shear == 0 && tx == 0 && ty == 0
        for c in 0..<img.channels {
            for y in 0..<h {
                let oy = Float(y) - cy - ty
                for x in 0..<w {
                    var v: Float
                    if identityGeometry {
                        v = img[c, y, x]
                    } else {
                        let ox = Float(x) - cx - tx
                        let sy = i10 * ox + i11 * oy + cy, sx = i00 * ox + i01 * oy + cx
                        v = d.zeroPad && (sy < -0.5 || sx < -0.5 || sy > Float(h) - 0.5 || sx > Float(w) - 0.5)
                            ? 0 : img.sample(c, sy, sx)
                    }
                    out[c, y, x] = min(255, max(0, v * d.brightness))
                }
            }
        }
        if let e = d.erased {
            var rng = SeededGenerator(seed: e.seed)
            for c in 0..<img.channels {
                for y in e.y..<min(h, e.y + e.height) {
                    for x in e.x..<min(w, e.x + e.width) { out[c, y, x] = Float(rng.unit() * 255) }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// One sampled set of augmentation parameters (radians, fractions, factor).
public struct AugmentationDraw: Sendable, Equatable {
    public var flip: Bool
    public var rotation: Float
    public var shear: Float
    public var shiftX: Float
    public var shiftY: Float
    public var brightness: Float
    /// Source pixels outside the image read 0 (`Augmentation.zeroPad`) instead of the nearest edge.
    public var zeroPad: Bool
    /// The rectangle random erasing fills (`Augmentation.erase`), in output pixels, and the seed of its noise.
    public struct Erased: Sendable, Equatable {
        public var x, y, width, height: Int
        public var seed: UInt64
        public init(x: Int, y: Int, width: Int, height: Int, seed: UInt64) {
            self.x = x; self.y = y; self.width = width; self.height = height; self.seed = seed
        }
    }
    public var erased: Erased?

    public init(flip: Bool = false, rotation: Float = 0, shear: Float = 0, shiftX: Float = 0, shiftY: Float = 0,
                brightness: Float = 1, zeroPad: Bool = false) {
        self.flip = flip
        self.rotation = rotation
        self.shear = shear
        self.shiftX = shiftX
        self.shiftY = shiftY
        self.brightness = brightness
        self.zeroPad = zeroPad
        self.erased = nil
    }
}
