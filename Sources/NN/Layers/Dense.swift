import CamsiftCore
/// Fully connected layer y = x·Wᵀ + b on [N, in] (an NCHW input is read as [N, C·H·W]), one `cblas_sgemm`.
/// Weight `[out, in]` (PyTorch `nn.Linear` order).
public final class Dense: Layer {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter
    public var needsInputGradient = true
    var input: Tensor?
    var outputCache = TensorCache(), gradInputCache = TensorCache()

    /// Kaiming-uniform weights with bound √(6 / in) · `gain`, zero bias. `gain` < 1 suits a final logits layer.
    public init(_ inFeatures: Int, _ outFeatures: Int, gain: Float = 1, rng: inout SeededGenerator) {
        precondition(inFeatures >= 1 && outFeatures >= 1, "Dense: features must be ≥ 1")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let w = Tensor(zeros: [outFeatures, inFeatures])
        rng.fillUniform(w, bound: gain * (6 / Float(inFeatures)).squareRoot())
        weight = Parameter(w, decays: true)
        bias = Parameter(Tensor(zeros: [outFeatures]), decays: false)
    }

    public var ownParameters: [(String, Parameter)] { [("weight", weight), ("bias", bias)] }
    var layerName: String { "Dense(\(inFeatures)→\(outFeatures))" }

    public func outputShape(for input: Shape) throws -> Shape {
        guard input.perItem == inFeatures else {
            throw NNError(code: .shapeMismatch,
                message: "\(layerName): input \(input) has \(input.perItem) features per item")
        }
        return Shape(rows: input.n, columns: outFeatures)
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        guard x.shape.perItem == inFeatures else {
            throw NNError(code: .shapeMismatch,
                message: "\(layerName): input \(x.shape) has \(x.shape.perItem) features per item, "
                + "expected \(inFeatures); check the pooled feature size")
        }
        let n = x.shape.n
        let out = outputCache.tensor(Shape(rows: n, columns: outFeatures))
        let y = out.pointer, b = bias.value.pointer
        for i in 0..<n { (y + i * outFeatures).update(from: b, count: outFeatures) }
        BLAS.gemm(transB: true, m: n, n: outFeatures, k: inFeatures, a: x.pointer, lda: inFeatures,
                  b: weight.value.pointer, ldb: inFeatures, beta: 1, c: y, ldc: outFeatures)
        input = training ? x : nil
        return out
    }

    /// dW += dYᵀ·X, db += Σ_n dY, dX = dY·W.
    public func backward(_ dy: Tensor) throws -> Tensor {
        let x = try requireSaved(input, layer: layerName)
        let n = x.shape.n
        try requireGradShape(dy, Shape(rows: n, columns: outFeatures), layer: layerName)
        if !weight.isFrozen {
            BLAS.gemm(transA: true, m: outFeatures, n: inFeatures, k: n, a: dy.pointer, lda: outFeatures,
                      b: x.pointer, ldb: inFeatures, beta: 1, c: weight.grad.pointer, ldc: inFeatures)
        }
        if !bias.isFrozen {
            let g = dy.pointer, db = bias.grad.pointer
            for i in 0..<n {
                for j in 0..<outFeatures { db[j] += g[i * outFeatures + j] }
            }
        }
        let dx = gradInputCache.tensor(x.shape)
        if needsInputGradient {
            BLAS.gemm(m: n, n: inFeatures, k: outFeatures, a: dy.pointer, lda: outFeatures, b: weight.value.pointer,
                      ldb: inFeatures, beta: 0, c: dx.pointer, ldc: inFeatures)
        }
        return dx
    }
}
