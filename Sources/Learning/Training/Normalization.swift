/// Per-channel input normalization x' = (x − mean_c) / std_c, stored with the model (model-format.md's
/// `normalization`). For from-scratch training it is measured on the training split; for a pretrained
/// backbone it is the backbone's own.
public struct Normalization: Sendable, Codable, Equatable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Mean and standard deviation per channel over every pixel of `set`.
    public static func measure(_ set: ImageSet) -> Normalization {
        let plane = set.height * set.width
        var mean = [Float](repeating: 0, count: set.channels), std = mean
        for c in 0..<set.channels {
            var s = 0.0, s2 = 0.0
            for i in 0..<set.count {
                let base = i * set.perImage + c * plane
                for k in 0..<plane { let v = Double(set.pixels[base + k]); s += v; s2 += v * v }
            }
            let n = Double(max(set.count * plane, 1))
            let m = s / n
            mean[c] = Float(m)
            std[c] = Float(max((s2 / n - m * m).squareRoot(), 1e-3))
        }
        return Normalization(mean: mean, std: std)
    }

    /// Normalizes a batch of CHW images (`pixels.count` a multiple of `perImage`).
    public func apply(_ pixels: [Float], channels: Int, perImage: Int) -> [Float] {
        var out = [Float](repeating: 0, count: pixels.count)
        let n = perImage > 0 ? pixels.count / perImage : 0
        pixels.withUnsafeBufferPointer { src in
            for i in 0..<n {
                write(src, from: i * perImage, count: perImage, channels: channels, into: &out, at: i * perImage)
            }
        }
        return out
    }

    func write(_ src: UnsafeBufferPointer<Float>, from: Int, count: Int, channels: Int, into dst: inout [Float], at offset: Int) {
        let plane = count / channels
        for c in 0..<channels {
            let (m, s) = (mean[c], 1 / std[c])
            let base = c * plane
            for k in 0..<plane { dst[offset + base + k] = (src[from + base + k] - m) * s }
        }
    }

    /// Writes one image's normalized pixels into `dst` starting at `offset`.
    @inlinable public func write(_ pixels: [Float], channels: Int, into dst: inout [Float], at offset: Int) {
        let plane = pixels.count / channels
        for c in 0..<channels {
            let (m, s) = (mean[c], 1 / std[c])
            let base = c * plane
            for k in 0..<plane { dst[offset + base + k] = (pixels[base + k] - m) * s }
        }
    }
}
