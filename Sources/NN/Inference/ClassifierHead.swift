/// The dense 1280 → classes layer of an `effnet-lite0` model file on its own.
///
/// A trained bundle's M0 and M1 are level-1 transfer models: both are the same frozen ImageNet backbone with
/// their own head. Serving them as two full `EfficientNetLite0`s would hold the backbone's weights, packed GEMM
/// panels and activation workspaces twice (~65 MB measured by the soak bench) to run it once; the second
/// model only needs this layer.
public struct ClassifierHead: Sendable {
    public let classCount: Int
    public let featureCount: Int
    let weights: [Float]   // [classes × features]
    let bias: [Float]

    public init(modelFile m: ModelFile) throws {
        let w = try m.tensor("classifier.weight")
        let b = try m.tensor("classifier.bias")
        guard w.shape.count == 2, b.shape == [w.shape[0]], m.classes.count == w.shape[0] else {
            throw NNError(code: .shapeMismatch, message: "classifier.weight \(w.shape) / classifier.bias \(b.shape) do "
                          + "not fit \(m.classes.count) class names; the model file is not an effnet-lite0 classifier")
        }
        classCount = w.shape[0]
        featureCount = w.shape[1]
        weights = w.values
        bias = b.values
    }

    /// Logits from pooled features: `n × featureCount` → `n × classCount`. A SIMD loop over four images at a
    /// time rather than `cblas_sgemm`, because OpenBLAS allocates a buffer on every call and inference must
    /// allocate nothing after warm-up (`InferenceAllocationTests`).
    public func classify(features: UnsafeBufferPointer<Float>, n: Int, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(features.count >= n * featureCount && out.count >= n * classCount)
        let k = featureCount, m = classCount
        guard let f = features.baseAddress, let o = out.baseAddress else { return }
        weights.withUnsafeBufferPointer { wb in
            bias.withUnsafeBufferPointer { bb in
                let w = wb.baseAddress!
                var i = 0
                while i < n {
                    let images = Swift.min(4, n - i)
                    for j in 0..<m {
                        let row = w + j * k
                        var acc = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
                        var kk = 0
                        while kk + 16 <= k {
                            let wv = VectorKernels.load(row + kk)
                            acc.0 += wv * VectorKernels.load(f + i * k + kk)
                            if images > 1 { acc.1 += wv * VectorKernels.load(f + (i + 1) * k + kk) }
                            if images > 2 { acc.2 += wv * VectorKernels.load(f + (i + 2) * k + kk) }
                            if images > 3 { acc.3 += wv * VectorKernels.load(f + (i + 3) * k + kk) }
                            kk += 16
                        }
                        var sums = (acc.0.sum(), acc.1.sum(), acc.2.sum(), acc.3.sum())
                        while kk < k {
                            let wv = row[kk]
                            sums.0 += wv * f[i * k + kk]
                            if images > 1 { sums.1 += wv * f[(i + 1) * k + kk] }
                            if images > 2 { sums.2 += wv * f[(i + 2) * k + kk] }
                            if images > 3 { sums.3 += wv * f[(i + 3) * k + kk] }
                            kk += 1
                        }
                        let b = bb[j]
                        o[i * m + j] = sums.0 + b
                        if images > 1 { o[(i + 1) * m + j] = sums.1 + b }
                        if images > 2 { o[(i + 2) * m + j] = sums.2 + b }
                        if images > 3 { o[(i + 3) * m + j] = sums.3 + b }
                    }
                    i += images
                }
            }
        }
    }

    /// Whether two effnet-lite0 model files share the same backbone: every tensor except the classifier equal.
    /// Only then may one backbone's features feed the other's head.
    public static func sameBackbone(_ a: ModelFile, _ b: ModelFile) -> Bool {
        let isHead: (ModelFile.NamedTensor) -> Bool = { $0.name.hasPrefix("classifier.") }
        let ta = a.tensors.filter { !isHead($0) }, tb = b.tensors.filter { !isHead($0) }
        guard ta.count == tb.count else { return false }
        for (x, y) in zip(ta, tb) where x.name != y.name || x.shape != y.shape || x.values != y.values { return false }
        return true
    }
}
