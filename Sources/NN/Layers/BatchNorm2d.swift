/// Batch normalisation over N, H, W per channel (Ioffe & Szegedy 2015, Alg. 1 and §3.1), PyTorch semantics:
/// training uses the batch's biased variance to normalise and folds the *unbiased* variance into the running
/// estimate with `running = (1 − momentum)·running + momentum·batch`; inference uses the running estimates.
///
/// A BatchNorm whose γ and β are both frozen behaves as in inference even when `training` is true (Keras'
/// convention for fine-tuning): a frozen backbone keeps its ImageNet statistics instead of drifting to small,
/// skewed camera batches.
public final class BatchNorm2d: Layer {
    public let channels: Int
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
    /// Per-channel mean and 1/σ of the last forward (batch or running), for backward.
    var meanCache = TensorCache(), invStdCache = TensorCache()

    public init(channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        precondition(channels >= 1 && eps > 0 && momentum >= 0 && momentum <= 1, "BatchNorm2d: invalid arguments")
        self.channels = channels
        self.eps = eps
        self.momentum = momentum
        let g = Tensor(zeros: [channels])
        g.fill(1)
        gamma = Parameter(g, decays: false)
        beta = Parameter(Tensor(zeros: [channels]), decays: false)
        runningMean = Tensor(zeros: [channels])
        runningVar = Tensor(zeros: [channels])
        runningVar.fill(1)
    }

    public var ownParameters: [(String, Parameter)] { [("weight", gamma), ("bias", beta)] }
    public var ownBuffers: [(String, Tensor)] { [("running_mean", runningMean), ("running_var", runningVar)] }
    var layerName: String { "BatchNorm2d(\(channels))" }
    var isFrozen: Bool { gamma.isFrozen && beta.isFrozen }

    public func outputShape(for input: Shape) throws -> Shape { input }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        guard x.shape.rank == 4 || x.shape.rank == 2, x.shape.c == channels else {
            throw NNError(code: .shapeMismatch,
                message: "\(layerName): expected [N, \(channels), H, W], got \(x.shape)")
        }
        let n = x.shape.n, plane = x.shape.h * x.shape.w, m = n * plane
        let batchStats = training && !isFrozen
        if batchStats && m < 2 {
            throw NNError(code: .invalidArgument,
                message: "\(layerName): training needs more than one value per channel "
                + "(got \(x.shape)); use a batch of at least 2 or freeze this layer")
        }
        let out = outputCache.tensor(x.shape)
        let mean = meanCache.tensor([channels]).pointer, invStd = invStdCache.tensor([channels]).pointer
        let xp = x.pointer, yp = out.pointer, c = channels, eps = eps, mom = momentum
        let gp = gamma.value.pointer, bp = beta.value.pointer
        let rm = runningMean.pointer, rv = runningVar.pointer
        NNThreads.parallelChunks(c, grain: Swift.max(1, 16_384 / Swift.max(m, 1))) { range in
            for ch in range {
                var mu: Float, variance: Float
                if batchStats {
                    // Two passes (mean, then squared deviations) with SIMD partial sums: no cancellation.
                    var sum: Float = 0
                    for img in 0..<n { sum += VectorKernels.sum(xp + (img * c + ch) * plane, plane) }
                    mu = sum / Float(m)
                    var sq: Float = 0
                    for img in 0..<n {
                        sq += VectorKernels.sumSquaredDeviation(xp + (img * c + ch) * plane, plane, mean: mu)
                    }
                    variance = sq / Float(m)
                    rm[ch] = (1 - mom) * rm[ch] + mom * mu
                    rv[ch] = (1 - mom) * rv[ch] + mom * sq / Float(m - 1)
                } else {
                    mu = rm[ch]
                    variance = rv[ch]
                }
                let inv = 1 / (variance + eps).squareRoot()
                mean[ch] = mu
                invStd[ch] = inv
                let scale = gp[ch] * inv, shift = bp[ch] - mu * scale
                for img in 0..<n {
                    let offset = (img * c + ch) * plane
                    VectorKernels.affine(xp + offset, yp + offset, plane, scale: scale, shift: shift)
                }
            }
        }
        input = training ? x : nil
        usedBatchStats = batchStats
        return out
    }

    /// With batch statistics (x̂ = (x − μ)/σ, M = N·H·W):
    /// dx = γ/(σM) · (M·dy − Σdy − x̂·Σ(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy (Ioffe & Szegedy 2015, §3).
    /// With running statistics μ, σ are constants and dx = γ/σ · dy.
    public func backward(_ dy: Tensor) throws -> Tensor {
        let x = try requireSaved(input, layer: layerName)
        try requireGradShape(dy, x.shape, layer: layerName)
        let n = x.shape.n, plane = x.shape.h * x.shape.w, m = Float(n * plane)
        let dx = gradInputCache.tensor(x.shape)
        let xp = x.pointer, dyp = dy.pointer, dxp = dx.pointer, c = channels
        let mean = meanCache.tensor([channels]).pointer, invStd = invStdCache.tensor([channels]).pointer
        let gp = gamma.value.pointer, dg = gamma.grad.pointer, db = beta.grad.pointer
        let wantG = !gamma.isFrozen, wantB = !beta.isFrozen, wantX = needsInputGradient
        let batchStats = usedBatchStats
        NNThreads.parallelChunks(c, grain: Swift.max(1, 16_384 / Swift.max(n * plane, 1))) { range in
            for ch in range {
                let mu = mean[ch], inv = invStd[ch]
                var sumDy: Float = 0, sumDyCentered: Float = 0
                for img in 0..<n {
                    let offset = (img * c + ch) * plane
                    let (a, b) = VectorKernels.sumAndCenteredDot(dyp + offset, xp + offset, plane, mean: mu)
                    sumDy += a
                    sumDyCentered += b
                }
                let sumDyXhat = sumDyCentered * inv
                if wantG { dg[ch] += sumDyXhat }
                if wantB { db[ch] += sumDy }
                guard wantX else { continue }
                let k = gp[ch] * inv
                for img in 0..<n {
                    let xs = xp + (img * c + ch) * plane, ds = dyp + (img * c + ch) * plane
                    let out = dxp + (img * c + ch) * plane
                    if batchStats {
                        // k·(dy − a − (x − μ)·inv·b) = k·dy + (−k·inv·b)·x + k·(μ·inv·b − a)
                        let a = sumDy / m, b = sumDyXhat / m
                        let cx = -k * inv * b, c0 = k * (mu * inv * b - a)
                        var i = 0
                        while i + VectorKernels.lanes <= plane {
                            let v = VectorKernels.load(ds + i) * k + VectorKernels.load(xs + i) * cx + c0
                            VectorKernels.store(v, out + i)
                            i += VectorKernels.lanes
                        }
                        while i < plane {
                            out[i] = k * ds[i] + cx * xs[i] + c0
                            i += 1
                        }
                    } else {
                        VectorKernels.affine(ds, out, plane, scale: k, shift: 0)
                    }
                }
            }
        }
        return dx
    }
}
