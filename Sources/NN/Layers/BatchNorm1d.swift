/// Batch normalisation of feature vectors `[N, F]` (Ioffe & Szegedy 2015, Alg. 1), with `torch.nn.BatchNorm1d`'s
/// semantics on a 2-D input: training normalises with the batch mean and *biased* variance and folds the
/// *unbiased* variance into the running estimate, `running = (1 − momentum)·running + momentum·batch`
/// (momentum 0.1, eps 1e-5); inference uses the running estimates. Names match PyTorch's state dict: `weight`
/// (γ), `bias` (β), `running_mean`, `running_var`.
///
/// The temporal window classifier ("Deep Spatio-Temporal Representation Learning for Multi-Class Imbalanced Data
/// Classification", Pouyanfar, Chen, Shyu) normalises the last time step of its residual BiLSTM stack before the
/// dense layer; that step is an `[N, F]` batch, which this layer reads row by row (contiguous features), where
/// `BatchNorm2d` on the same data would walk every channel with a stride of F.
///
/// As in `BatchNorm2d`, a layer whose γ and β are both frozen uses its running statistics even when `training` is
/// true (Keras' fine-tuning convention), so a frozen network does not drift to the statistics of small batches.
public final class BatchNorm1d: Layer {
    public let features: Int
    public let eps: Float
    public var momentum: Float
    public let gamma: Parameter
    public let beta: Parameter
    public let runningMean: Tensor
    public let runningVar: Tensor
    public var needsInputGradient = true

    var input: Tensor?
    var usedBatchStats = false
    var outputCache = TensorCache(), gradInputCache = TensorCache()
    /// Per-feature mean and 1/σ of the last forward (batch or running), and Double accumulators.
    var meanCache = TensorCache(), invStdCache = TensorCache()
    var sums: [Double] = [], squares: [Double] = []

    public init(features: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        precondition(features >= 1 && eps > 0 && momentum >= 0 && momentum <= 1, "BatchNorm1d: invalid arguments")
        self.features = features
        self.eps = eps
        self.momentum = momentum
        (gamma, beta, runningMean, runningVar) = BatchNormState.initial(features)
    }

    public var ownParameters: [(String, Parameter)] { [("weight", gamma), ("bias", beta)] }
    public var ownBuffers: [(String, Tensor)] { [("running_mean", runningMean), ("running_var", runningVar)] }
    var layerName: String { "BatchNorm1d(\(features))" }
    var isFrozen: Bool { gamma.isFrozen && beta.isFrozen }

    public func outputShape(for input: Shape) throws -> Shape {
        try checkInput(input)
        return input
    }

    func checkInput(_ shape: Shape) throws {
        guard shape.rank == 2, shape[1] == features else {
            throw NNError(code: .shapeMismatch,
                message: "\(layerName): expected an [N, \(features)] input, got \(shape); "
                + "take one time step of an [N, T, F] sequence first (LastStep)")
        }
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        try checkInput(x.shape)
        let n = x.shape[0], f = features
        let batchStats = training && !isFrozen
        if batchStats && n < 2 {
            throw NNError(code: .invalidArgument,
                message: "\(layerName): training needs a batch of at least 2 (got \(x.shape)); "
                + "use a larger batch or freeze this layer")
        }
        let out = outputCache.tensor(x.shape)
        let mean = meanCache.tensor([f]).pointer, invStd = invStdCache.tensor([f]).pointer
        let xp = x.pointer, yp = out.pointer, rm = runningMean.pointer, rv = runningVar.pointer
        if batchStats {
            // Two passes (mean, then squared deviations), accumulated in Double row by row: no cancellation.
            if sums.count != f {
                sums = [Double](repeating: 0, count: f)
                squares = [Double](repeating: 0, count: f)
            }
            for j in 0..<f { sums[j] = 0; squares[j] = 0 }
            for i in 0..<n {
                let row = xp + i * f
                for j in 0..<f { sums[j] += Double(row[j]) }
            }
            for j in 0..<f { sums[j] /= Double(n) }
            for i in 0..<n {
                let row = xp + i * f
                for j in 0..<f {
                    let d = Double(row[j]) - sums[j]
                    squares[j] += d * d
                }
            }
            let mom = Double(momentum)
            for j in 0..<f {
                let mu = sums[j], biased = squares[j] / Double(n), unbiased = squares[j] / Double(n - 1)
                mean[j] = Float(mu)
                invStd[j] = Float(1 / (biased + Double(eps)).squareRoot())
                rm[j] = Float((1 - mom) * Double(rm[j]) + mom * mu)
                rv[j] = Float((1 - mom) * Double(rv[j]) + mom * unbiased)
            }
        } else {
            for j in 0..<f {
                mean[j] = rm[j]
                invStd[j] = 1 / (rv[j] + eps).squareRoot()
            }
        }
        let gp = gamma.value.pointer, bp = beta.value.pointer
        for i in 0..<n {
            let row = xp + i * f, o = yp + i * f
            for j in 0..<f { o[j] = (row[j] - mean[j]) * invStd[j] * gp[j] + bp[j] }
        }
        input = training ? x : nil
        usedBatchStats = batchStats
        return out
    }

    /// With batch statistics (x̂ = (x − μ)/σ over the N rows):
    /// dx = γ/(σN) · (N·dy − Σdy − x̂·Σ(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy (Ioffe & Szegedy 2015, §3).
    /// With running statistics μ and σ are constants and dx = γ/σ · dy.
    public func backward(_ dy: Tensor) throws -> Tensor {
        let x = try requireSaved(input, layer: layerName)
        try requireGradShape(dy, x.shape, layer: layerName)
        let n = x.shape[0], f = features
        let mean = meanCache.tensor([f]).pointer, invStd = invStdCache.tensor([f]).pointer
        let xp = x.pointer, dyp = dy.pointer, gp = gamma.value.pointer
        if sums.count != f {
            sums = [Double](repeating: 0, count: f)
            squares = [Double](repeating: 0, count: f)
        }
        // sums = Σ dy, squares = Σ dy·x̂ per feature.
        for j in 0..<f { sums[j] = 0; squares[j] = 0 }
        for i in 0..<n {
            let row = xp + i * f, g = dyp + i * f
            for j in 0..<f {
                sums[j] += Double(g[j])
                squares[j] += Double(g[j]) * Double((row[j] - mean[j]) * invStd[j])
            }
        }
        if !gamma.isFrozen {
            let dg = gamma.grad.pointer
            for j in 0..<f { dg[j] += Float(squares[j]) }
        }
        if !beta.isFrozen {
            let db = beta.grad.pointer
            for j in 0..<f { db[j] += Float(sums[j]) }
        }
        let dx = gradInputCache.tensor(x.shape)
        guard needsInputGradient else { return dx }
        let dxp = dx.pointer
        if usedBatchStats {
            for i in 0..<n {
                let row = xp + i * f, g = dyp + i * f, o = dxp + i * f
                for j in 0..<f {
                    let xhat = (row[j] - mean[j]) * invStd[j]
                    let a = Float(sums[j] / Double(n)), b = Float(squares[j] / Double(n))
                    o[j] = gp[j] * invStd[j] * (g[j] - a - xhat * b)
                }
            }
        } else {
            for i in 0..<n {
                let g = dyp + i * f, o = dxp + i * f
                for j in 0..<f { o[j] = gp[j] * invStd[j] * g[j] }
            }
        }
        return dx
    }
}
