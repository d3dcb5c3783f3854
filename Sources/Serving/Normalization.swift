/// Per-channel input normalization x' = (x − mean_c) · (1 / std_c), stored with the model (model-format.md's
/// `normalization`). For from-scratch training it is measured on the training split (Learning's
/// `Normalization.measure`); for a pretrained backbone it is the backbone's own. Training, eval and serving all
/// apply it through `ModelInput.normalize`, so their tensors are bit-identical.
public struct Normalization: Sendable, Codable, Equatable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Normalizes a batch of CHW images (`pixels.count` a multiple of `perImage`).
    public func apply(_ pixels: [Float], channels: Int, perImage: Int) -> [Float] {
        var out = pixels
        guard perImage > 0, channels > 0 else { return out }
        out.withUnsafeMutableBufferPointer {
            ModelInput.normalize($0, channels: channels, plane: perImage / channels, mean: mean, std: std)
        }
        return out
    }

    /// Writes one image's normalized pixels into `dst` starting at `offset`.
    public func write(_ pixels: [Float], channels: Int, into dst: inout [Float], at offset: Int) {
        dst.withUnsafeMutableBufferPointer { d in
            let slice = UnsafeMutableBufferPointer(rebasing: d[offset..<offset + pixels.count])
            _ = slice.initialize(from: pixels)
            ModelInput.normalize(slice, channels: channels, plane: pixels.count / channels, mean: mean, std: std)
        }
    }
}
