import CamsiftCore

/// Where a source image lands in a fixed-size model input, for both fit modes. Shared by the JPEG path
/// (TurboJPEG + `RGBResampler`) and the video path (swscale), so the two produce the same framing.
///
/// First the central `cropFraction` of the source (on both axes) is kept, then:
/// - `crop`: scale by `max(dw/fw, dh/fh)` so that region covers the output, take the centre (`sourceRect` is
///   the centred window of the source that maps onto the whole output);
/// - `letterbox`: scale by `min(dw/fw, dh/fh)` so it fits, centre it (`targetRect`) and leave black bars.
/// With a square output and `crop`, the window is the central square of side `cropFraction × shorter side`
/// (EfficientNet's 0.875 evaluation crop).
public struct FitGeometry: Sendable, Equatable {
    /// Region of the source, in source pixels (fractional for crop windows).
    public var sourceX: Double, sourceY: Double, sourceWidth: Double, sourceHeight: Double
    /// Region of the output that receives pixels; the rest stays black.
    public var targetX: Int, targetY: Int, targetWidth: Int, targetHeight: Int
    /// Output-pixels per source-pixel, the same on both axes.
    public var scale: Double

    public init(sourceWidth sw: Int, sourceHeight sh: Int, width dw: Int, height dh: Int, fit: FitMode,
                cropFraction: Double = 1) {
        let f = min(max(cropFraction, 1e-3), 1)
        let fw = Double(sw) * f, fh = Double(sh) * f
        let ox = (Double(sw) - fw) / 2, oy = (Double(sh) - fh) / 2
        let sx = Double(dw) / fw, sy = Double(dh) / fh
        switch fit {
        case .crop:
            let s = max(sx, sy)
            let cw = min(fw, Double(dw) / s), ch = min(fh, Double(dh) / s)
            sourceX = ox + (fw - cw) / 2
            sourceY = oy + (fh - ch) / 2
            sourceWidth = cw
            sourceHeight = ch
            targetX = 0; targetY = 0; targetWidth = dw; targetHeight = dh
            scale = s
        case .letterbox:
            let s = min(sx, sy)
            let tw = max(1, min(dw, Int((fw * s).rounded())))
            let th = max(1, min(dh, Int((fh * s).rounded())))
            sourceX = ox; sourceY = oy; sourceWidth = fw; sourceHeight = fh
            targetX = (dw - tw) / 2; targetY = (dh - th) / 2; targetWidth = tw; targetHeight = th
            scale = s
        }
    }

    /// The framing of `geometry` for a `sourceWidth`×`sourceHeight` image.
    public init(sourceWidth sw: Int, sourceHeight sh: Int, geometry g: InputGeometry) {
        self.init(sourceWidth: sw, sourceHeight: sh, width: g.size, height: g.size, fit: g.fit, cropFraction: g.cropFraction)
    }

    /// The scale the source must be decoded at (at least) so no output pixel is upsampled: `scale` itself.
    /// Kept as a named property because the DCT-scale choice and swscale's intermediate size both use it.
    public var minimumSourceScale: Double { scale }
}
