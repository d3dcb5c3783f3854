#if canImport(Glibc)
import Glibc
#endif

/// Softmax + cross-entropy over logits [N, C] with optional per-class and per-sample weights.
///
/// With a_i = classWeight[y_i] · sampleWeight[i] (missing weights are 1):
///     L = Σ_i a_i · (−log softmax(z_i)[y_i]) / Σ_i a_i
/// — PyTorch's `CrossEntropyLoss(weight:, reduction: "mean")` normalisation, extended by sample weights (so
/// class weights re-balance classes without changing the loss scale). Gradient:
///     dL/dz_i = a_i · (softmax(z_i) − onehot(y_i)) / Σ_j a_j.
/// If every a_i is 0 the loss and gradient are 0.
///
/// With `mix` (mixup, Zhang et al. 2018, Eq. 1: the input was λ·x_i + (1 − λ)·x_j) the target of row i is
/// λ·onehot(y_i) + (1 − λ)·onehot(partner_i): loss a_i·(λ·nll(y_i) + (1 − λ)·nll(partner_i)), gradient
/// a_i·(softmax(z_i) − λ·onehot(y_i) − (1 − λ)·onehot(partner_i)) / Σ_j a_j. The weights a_i follow y_i.
public final class SoftmaxCrossEntropy {
    var probabilityCache = TensorCache(), gradCache = TensorCache()
    var lastLabels: [Int] = []
    var lastWeights: [Float] = []
    var lastNormalizer: Float = 0
    var lastShape: Shape?
    var lastMix: MixedLabels?

    /// Added to every row of logits inside the loss only (inference never sees them): with o_c = τ·log π_c
    /// this is the logit-adjusted loss of Menon et al. 2021 (Eq. 10; Ren et al.'s Balanced Softmax for τ = 1):
    /// the network learns scores whose argmax is the balanced-view decision, while training on the natural
    /// class mix. The gradient is softmax(z + o) − onehot, so `backward` needs no change.
    public var logitOffsets: [Float]?

    public init() {}

    /// Softmax of the last `forward`'s logits (valid until the next forward).
    public private(set) var probabilities: Tensor?

    /// Mean weighted loss of a batch. `labels[i]` in 0..<C; `classWeights.count == C`; `sampleWeights.count == N`.
    /// `normalizer` replaces this batch's own Σ a_i: a data-parallel shard passes the whole batch's, so shard
    /// losses and gradients add up to the batch's (see `DataParallelTrainer`).
    @discardableResult
    public func forward(_ logits: Tensor, labels: [Int], classWeights: [Float]? = nil,
                        sampleWeights: [Float]? = nil, normalizer: Float? = nil, mix: MixedLabels? = nil) throws -> Float {
        guard logits.shape.rank == 2 || (logits.shape.h == 1 && logits.shape.w == 1) else {
            throw NNError(code: .shapeMismatch,
                message: "SoftmaxCrossEntropy: logits must be [N, classes], got \(logits.shape)")
        }
        let n = logits.shape.n, c = logits.shape.c
        guard labels.count == n else {
            throw NNError(code: .shapeMismatch,
                message: "SoftmaxCrossEntropy: \(labels.count) labels for a batch of \(n)")
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= c }) {
            throw NNError(code: .invalidArgument, message: "SoftmaxCrossEntropy: label \(bad) outside 0..<\(c) classes")
        }
        if let classWeights, classWeights.count != c || classWeights.contains(where: { !($0 >= 0) }) {
            throw NNError(code: .invalidArgument,
                message: "SoftmaxCrossEntropy: classWeights needs \(c) non-negative values, "
                + "got \(classWeights.count)")
        }
        if let sampleWeights, sampleWeights.count != n || sampleWeights.contains(where: { !($0 >= 0) }) {
            throw NNError(code: .invalidArgument,
                message: "SoftmaxCrossEntropy: sampleWeights needs \(n) non-negative values, "
                + "got \(sampleWeights.count)")
        }
        if let mix {
            guard mix.partners.count == n, mix.lambda >= 0, mix.lambda <= 1 else {
                throw NNError(code: .invalidArgument,
                    message: "SoftmaxCrossEntropy: mixup needs \(n) partner labels and λ in [0, 1], got \(mix.partners.count), λ = \(mix.lambda)")
            }
            if let bad = mix.partners.first(where: { $0 < 0 || $0 >= c }) {
                throw NNError(code: .invalidArgument, message: "SoftmaxCrossEntropy: partner label \(bad) outside 0..<\(c) classes")
            }
        }
        if let o = logitOffsets, o.count != c {
            throw NNError(code: .invalidArgument, message: "SoftmaxCrossEntropy: logitOffsets needs \(c) values, got \(o.count)")
        }
        var logits = logits
        if let o = logitOffsets {
            let shifted = Tensor(shape: logits.shape, values: logits.array)
            for i in 0..<n { for j in 0..<c { shifted.pointer[i * c + j] += o[j] } }
            logits = shifted
        }
        let probs = probabilityCache.tensor(Shape(rows: n, columns: c))
        Self.softmax(logits.pointer, rows: n, columns: c, into: probs.pointer)
        lastWeights.removeAll(keepingCapacity: true)
        var total = 0.0, sum = 0.0
        for i in 0..<n {
            let a = (classWeights?[labels[i]] ?? 1) * (sampleWeights?[i] ?? 1)
            lastWeights.append(a)
            sum += Double(a)
            if a > 0 {
                // log p from the logits directly (log-sum-exp) keeps precision when p underflows.
                let row = logits.pointer + i * c
                var nll = Self.negativeLogSoftmax(row, columns: c, label: labels[i])
                if let mix {
                    let l = Double(mix.lambda)
                    nll = l * nll + (1 - l) * Self.negativeLogSoftmax(row, columns: c, label: mix.partners[i])
                }
                total += Double(a) * nll
            }
        }
        let divisor = normalizer.map(Double.init) ?? sum
        lastLabels = labels
        lastMix = mix
        lastNormalizer = Float(divisor)
        lastShape = logits.shape
        probabilities = probs
        return divisor > 0 ? Float(total / divisor) : 0
    }

    /// dL/dlogits of the last `forward`, shaped like the logits.
    public func backward() throws -> Tensor {
        guard let shape = lastShape, let probs = probabilities else {
            throw NNError(code: .invalidArgument, message: "SoftmaxCrossEntropy: backward called before forward")
        }
        let n = shape.n, c = shape.c
        let grad = gradCache.tensor(shape)
        let g = grad.pointer, p = probs.pointer
        let inv = lastNormalizer > 0 ? 1 / lastNormalizer : 0
        for i in 0..<n {
            let scale = lastWeights[i] * inv
            for j in 0..<c { g[i * c + j] = p[i * c + j] * scale }
            if let mix = lastMix {
                g[i * c + lastLabels[i]] -= scale * mix.lambda
                g[i * c + mix.partners[i]] -= scale * (1 - mix.lambda)
            } else {
                g[i * c + lastLabels[i]] -= scale
            }
        }
        return grad
    }

    /// Row-wise numerically stable softmax (max subtracted before exp).
    static func softmax(_ z: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<rows {
            let row = z + i * columns, dst = out + i * columns
            var m = -Float.infinity
            for j in 0..<columns { m = Swift.max(m, row[j]) }
            var sum: Float = 0
            for j in 0..<columns {
                let e = expf(row[j] - m)
                dst[j] = e
                sum += e
            }
            let inv = 1 / sum
            for j in 0..<columns { dst[j] *= inv }
        }
    }

    static func negativeLogSoftmax(_ row: UnsafePointer<Float>, columns: Int, label: Int) -> Double {
        var m = -Double.infinity
        for j in 0..<columns { m = Swift.max(m, Double(row[j])) }
        var sum = 0.0
        for j in 0..<columns { sum += exp(Double(row[j]) - m) }
        return m + log(sum) - Double(row[label])
    }
}
