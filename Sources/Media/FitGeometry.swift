import CamsiftCore

/// Where a source image lands in a fixed-size model input, for both fit modes. Shared by the JPEG path
/// (TurboJPEG + `RGBResampler`) and the video path (swscale), so the two produce the same framing.
///
/// - `crop`: scale by `max(dw/sw, dh/sh)` so the image covers the output, take the centre (`sourceRect` is
///   the centred window of the source that maps onto the whole output).
/// - `letterbox`: scale by `min(dw/sw, dh/sh)` so the image fits, centre it (`targetRect`) and leave black bars.
public struct FitGeometry: Sendable, Equatable {
    /// Region of the source, in source pixels (fractional for crop windows).
    public var sourceX: Double, sourceY: Double, sourceWidth: Double, sourceHeight: Double
    /// Region of the output that receives pixels; the rest stays black.
    public var targetX: Int, targetY: Int, targetWidth: Int, targetHeight: Int
    /// Output-pixels per source-pixel, the same on both axes.
    public var scale: Double

    public init(sourceWidth sw: Int, sourceHeight sh: Int, width dw: Int, height dh: Int, fit: FitMode) {
        let sx = Double(dw) / Double(sw), sy = Double(dh) / Double(sh)
        switch fit {
        case .crop:
            let s = max(sx, sy)
            let cw = min(Double(sw), Double(dw) / s), ch = min(Double(sh), Double(dh) / s)
            sourceX = (Double(sw) - cw) / 2
            sourceY = (Double(sh) - ch) / 2
            sourceWidth = cw
            sourceHeight = ch
            targetX = 0; targetY = 0; targetWidth = dw; targetHeight = dh
            scale = s
        case .letterbox:
            let s = min(sx, sy)
            let tw = max(1, min(dw, Int((Double(sw) * s).rounded())))
            let th = max(1, min(dh, Int((Double(sh) * s).rounded())))
            sourceX = 0; sourceY = 0; sourceWidth = Double(sw); sourceHeight = Double(sh)
            targetX = (dw - tw) / 2; targetY = (dh - th) / 2; targetWidth = tw; targetHeight = th
            scale = s
        }
    }

    /// The scale the source must be decoded at (at least) so no output pixel is upsampled: `scale` itself.
    /// Kept as a named property because the DCT-scale choice and swscale's intermediate size both use it.
    public var minimumSourceScale: Double { scale }
}
