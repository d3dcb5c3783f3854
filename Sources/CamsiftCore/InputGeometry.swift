/// How any image (an archived JPEG, a live camera frame, a `camsift classify` argument) becomes one model's
/// input tensor. A trained bundle records it and the daemon serves with the bundle's, whatever the frame size,
/// so training, `camsift eval`, `classify` and the live path all see the same picture (issue 15: archive
/// images used to be stretched, live frames centre-cropped, `classify` cropped to 0.875).
///
/// The one model-input path, in order: decode → keep the central `cropFraction` of the image on both axes →
/// fit (`crop`: cover the square and cut the centre; `letterbox`: fit inside it on black bars) → resize to
/// `size`×`size` (Media's `JPEGDecoder`/`VideoFrameScaler`, both through `FitGeometry`) → channels (BT.601
/// luma for 1-channel models) → per-channel `(x − mean) / std` (Serving's `ModelInput`).
public struct InputGeometry: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    /// Side of the square input in pixels.
    public var size: Int
    /// 3 = RGB, 1 = BT.601 luma (Y = 0.299 R + 0.587 G + 0.114 B).
    public var channels: Int
    public var fit: FitMode
    /// Central fraction of the source kept before fitting, in (0, 1]: 1 keeps the whole frame, 0.875 is
    /// EfficientNet's evaluation crop (224 of 256, Tan & Le 2019's reference preprocessing).
    public var cropFraction: Double
    /// Per-channel normalisation applied to 0…255 values: x' = (x − mean_c) / std_c.
    public var mean: [Float]
    public var std: [Float]

    public init(size: Int, channels: Int = 3, fit: FitMode = .crop, cropFraction: Double = 1,
                mean: [Float]? = nil, std: [Float]? = nil) {
        self.size = size
        self.channels = channels
        self.fit = fit
        self.cropFraction = cropFraction
        self.mean = mean ?? [Float](repeating: 0, count: channels)
        self.std = std ?? [Float](repeating: 1, count: channels)
    }

    /// Floats in one input tensor (channels × size × size).
    public var elementCount: Int { channels * size * size }

    /// The same framing at another normalisation (training measures it after the images are framed).
    public func normalized(mean: [Float], std: [Float]) -> InputGeometry {
        var g = self
        g.mean = mean
        g.std = std
        return g
    }

    /// What is wrong with these values, or nil; the text says which field and the accepted range.
    public var problem: String? {
        if !(8...4096).contains(size) { return "size \(size) is outside 8...4096" }
        if channels != 1 && channels != 3 { return "channels \(channels) must be 1 (grey) or 3 (RGB)" }
        if !(cropFraction > 0 && cropFraction <= 1) { return "cropFraction \(cropFraction) must be in (0, 1]" }
        if mean.count != channels || std.count != channels {
            return "mean/std have \(mean.count)/\(std.count) values for \(channels) channel(s)"
        }
        if std.contains(where: { !($0 > 0) }) { return "std values must be > 0" }
        return nil
    }

    public var description: String {
        let f = cropFraction == 1 ? "" : " ×\(cropFraction)"
        return "\(size)×\(size)×\(channels) \(fit.rawValue)\(f)"
    }
}
