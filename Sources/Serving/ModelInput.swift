import CamsiftCore

/// The last two steps of the one model-input path, after Media decoded and framed the image at the model's
/// `InputGeometry` (`JPEGDecoder.decode(_:geometry:)`, `VideoFrameScaler`): channels, then normalisation.
///
/// Everyone who feeds a model goes through here — the inference thread, `camsift classify`, `camsift eval`,
/// training's archive loader and feature cache — so a JPEG from the archive and the same JPEG arriving from a
/// camera give bit-identical tensors (ModelInputTests). The arithmetic is fixed on purpose: luma is
/// `0.299·R + 0.587·G + 0.114·B` evaluated in that order in Float, normalisation is `(x − mean) · (1 / std)`.
public enum ModelInput {
    /// One frame as CHW floats in 0…255 with `channels` planes (1: BT.601 luma, 3: RGB), into `out`.
    public static func pixels(_ frame: DecodedFrame, channels: Int, into out: UnsafeMutableBufferPointer<Float>) {
        let plane = frame.width * frame.height
        precondition(out.count >= plane * channels, "output holds \(out.count) floats, need \(plane * channels)")
        frame.rgb.withUnsafeBufferPointer { px in
            if channels == 1 {
                for p in 0..<plane {
                    out[p] = 0.299 * Float(px[p * 3]) + 0.587 * Float(px[p * 3 + 1]) + 0.114 * Float(px[p * 3 + 2])
                }
            } else {
                for c in 0..<3 { for p in 0..<plane { out[c * plane + p] = Float(px[p * 3 + c]) } }
            }
        }
    }

    /// One frame as CHW 0…255 floats (training applies augmentation to these before `normalize`).
    public static func pixels(_ frame: DecodedFrame, channels: Int) -> [Float] {
        let n = frame.width * frame.height * channels
        return [Float](unsafeUninitializedCapacity: n) { buf, count in
            pixels(frame, channels: channels, into: buf)
            count = n
        }
    }

    /// `(x − mean_c) · (1 / std_c)` in place over consecutive CHW images of `channels × plane` floats.
    public static func normalize(_ values: UnsafeMutableBufferPointer<Float>, channels: Int, plane: Int,
                                 mean: [Float], std: [Float]) {
        let per = channels * plane
        guard per > 0 else { return }
        let inv = std.map { 1 / $0 }
        for start in stride(from: 0, to: values.count - per + 1, by: per) {
            for c in 0..<channels {
                let m = mean[c], s = inv[c], base = start + c * plane
                for k in 0..<plane { values[base + k] = (values[base + k] - m) * s }
            }
        }
    }

    /// A batch tensor (NCHW, normalised) for frames already at `geometry.size`. Throws for a frame of
    /// another size: callers refit those first (Media's `DecodedFrame.refitted(to:)`).
    public static func tensor(_ frames: [DecodedFrame], geometry g: InputGeometry) throws(ServingError) -> [Float] {
        let per = g.elementCount, plane = g.size * g.size
        for f in frames where f.width != g.size || f.height != g.size {
            throw ServingError(.badInput, "frame is \(f.width)×\(f.height), the model takes \(g.size)×\(g.size); "
                               + "decode it at the model's geometry (\(g))")
        }
        return [Float](unsafeUninitializedCapacity: frames.count * per) { buf, count in
            for (i, f) in frames.enumerated() {
                pixels(f, channels: g.channels, into: UnsafeMutableBufferPointer(rebasing: buf[i * per..<(i + 1) * per]))
            }
            normalize(UnsafeMutableBufferPointer(rebasing: buf[0..<frames.count * per]), channels: g.channels,
                      plane: plane, mean: g.mean, std: g.std)
            count = frames.count * per
        }
    }
}
