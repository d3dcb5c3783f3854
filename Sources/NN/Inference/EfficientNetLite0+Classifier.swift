import CamsiftCore

extension EfficientNetLite0: Classifier {
    /// Preprocesses a frame for this network: fits it to `inputSize` (centre crop) unless it already is,
    /// then `(pixel − mean) / std` per channel into NCHW floats.
    public func preprocess(_ frame: DecodedFrame, into out: UnsafeMutableBufferPointer<Float>) {
        let f = frame.width == inputSize && frame.height == inputSize
            ? frame : ImageResampler.fit(frame, size: inputSize, mode: .crop)
        Self.normalize(f, mean: normalization.mean, std: normalization.std, into: out)
    }

    /// EfficientNet-Lite's own preprocessing, `(x − 127) / 128`, for a frame already at the input size.
    public static func preprocess(rgb frame: DecodedFrame) -> [Float] {
        [Float](unsafeUninitializedCapacity: frame.width * frame.height * 3) { buf, n in
            normalize(frame, mean: [127, 127, 127], std: [128, 128, 128], into: buf)
            n = frame.width * frame.height * 3
        }
    }

    static func normalize(_ f: DecodedFrame, mean: [Float], std: [Float], into out: UnsafeMutableBufferPointer<Float>) {
        let plane = f.width * f.height
        precondition(out.count >= plane * 3)
        let inv = std.map { 1 / $0 }
        f.rgb.withUnsafeBufferPointer { px in
            for c in 0..<3 {
                let m = mean[c], s = inv[c]
                for p in 0..<plane { out[c * plane + p] = (Float(px[p * 3 + c]) - m) * s }
            }
        }
    }

    public func classify(frames: [DecodedFrame], top: Int) -> [[(label: String, score: Float)]] {
        guard !frames.isEmpty else { return [] }
        var batch = [Float](repeating: 0, count: frames.count * imageElementCount)
        batch.withUnsafeMutableBufferPointer { b in
            for (i, f) in frames.enumerated() {
                preprocess(f, into: UnsafeMutableBufferPointer(rebasing: b[i * imageElementCount..<(i + 1) * imageElementCount]))
            }
        }
        let l = batch.withUnsafeBufferPointer { logits(batch: $0, n: frames.count) }
        return TopK.labels(logits: l, n: frames.count, classes: classes, k: top)
    }
}
