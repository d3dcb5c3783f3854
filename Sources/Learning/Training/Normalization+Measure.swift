import Serving

extension Normalization {
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
}
