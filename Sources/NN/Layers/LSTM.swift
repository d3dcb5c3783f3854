import CamsiftCore
#if canImport(Glibc)
import Glibc
#endif

/// Unidirectional LSTM over `[N, T, F]` (batch, time, features) returning the whole hidden sequence `[N, T, H]`.
/// The temporal-window classifier needs every step's state (the BiLSTM stacks and the residual wiring of
/// "Deep Spatio-Temporal Representation Learning for Multi-Class Imbalanced Data Classification" consume the
/// full sequence), so this is the sequence-to-sequence form, starting from h₀ = c₀ = 0.
///
/// Equations (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000), gate order i, f, g, o as in
/// PyTorch's `torch.nn.LSTM`, so `W_ih [4H, F]`, `W_hh [4H, H]`, `b_ih [4H]`, `b_hh [4H]` compare 1:1 with its
/// `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0` (`…_reverse` for `reverse: true`):
///
///     i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)
///     f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)
///     g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)
///     o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)
///     c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
///     h_t = o_t ⊙ tanh(c_t)
///
/// Cost split: the input projection of all N·T steps is one `[N·T, F] × [F, 4H]` GEMM (it has no recurrence);
/// only the recurrent part `h_{t−1} · W_hhᵀ` is a GEMM per step, reading/writing the step's rows in place through
/// the leading dimension (row n of step t sits at `(n·T + t)·4H`), so no per-step copies are made.
/// `reverse: true` runs t = T−1 … 0 (the backward direction of a BiLSTM); outputs stay at their own time index.
/// Backward is backpropagation through time over the saved activated gates, cell states and tanh(c).
public final class LSTM: Layer {
    public let inputSize: Int, hiddenSize: Int
    public let reverse: Bool
    public let weightIH: Parameter, weightHH: Parameter
    public let biasIH: Parameter, biasHH: Parameter
    public var needsInputGradient = true
    var input: Tensor?
    /// Activated gates [N, T, 4H] (i, f, g, o), cell states and tanh of them [N, T, H], hidden states = output.
    var gatesCache = TensorCache(), cellCache = TensorCache(), tanhCellCache = TensorCache()
    var outputCache = TensorCache(), gradInputCache = TensorCache(), gradGatesCache = TensorCache()
    var gradHiddenCache = TensorCache(), gradCellCache = TensorCache()

    /// PyTorch's initialisation: every weight and bias U(−1/√H, 1/√H).
    public init(inputSize: Int, hiddenSize: Int, reverse: Bool = false, rng: inout SeededGenerator) {
        precondition(inputSize >= 1 && hiddenSize >= 1, "LSTM: input and hidden size must be ≥ 1")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.reverse = reverse
        let bound = 1 / Float(hiddenSize).squareRoot()
        let wih = Tensor(zeros: [4 * hiddenSize, inputSize]), whh = Tensor(zeros: [4 * hiddenSize, hiddenSize])
        let bih = Tensor(zeros: [4 * hiddenSize]), bhh = Tensor(zeros: [4 * hiddenSize])
        for t in [wih, whh, bih, bhh] { rng.fillUniform(t, bound: bound) }
        weightIH = Parameter(wih, decays: true)
        weightHH = Parameter(whh, decays: true)
        biasIH = Parameter(bih, decays: false)
        biasHH = Parameter(bhh, decays: false)
    }

    /// PyTorch `state_dict` names of a one-layer `nn.LSTM`.
    public var ownParameters: [(String, Parameter)] {
        let s = reverse ? "_l0_reverse" : "_l0"
        return [("weight_ih" + s, weightIH), ("weight_hh" + s, weightHH), ("bias_ih" + s, biasIH),
                ("bias_hh" + s, biasHH)]
    }
    var layerName: String { "LSTM(\(inputSize)→\(hiddenSize)\(reverse ? ", reverse" : ""))" }

    public func outputShape(for input: Shape) throws -> Shape {
        try checkInput(input)
        return Shape([input[0], input[1], hiddenSize])
    }

    func checkInput(_ shape: Shape) throws {
        guard shape.rank == 3, shape[2] == inputSize else {
            throw NNError(code: .shapeMismatch,
                message: "\(layerName): expected a [N, T, \(inputSize)] (batch, time, features) input, got \(shape)")
        }
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        try checkInput(x.shape)
        let n = x.shape[0], steps = x.shape[1], f = inputSize, h = hiddenSize, g4 = 4 * h
        let gates = gatesCache.tensor(Shape([n, steps, g4]))
        let cell = cellCache.tensor(Shape([n, steps, h])), tanhCell = tanhCellCache.tensor(Shape([n, steps, h]))
        let out = outputCache.tensor(Shape([n, steps, h]))
        let gp = gates.pointer, cp = cell.pointer, tp = tanhCell.pointer, hp = out.pointer
        // Input projection of every step at once: G = X·W_ihᵀ + b_ih + b_hh.
        let bi = biasIH.value.pointer, bh = biasHH.value.pointer
        for r in 0..<(n * steps) {
            let row = gp + r * g4
            for j in 0..<g4 { row[j] = bi[j] + bh[j] }
        }
        BLAS.gemm(transB: true, m: n * steps, n: g4, k: f, a: x.pointer, lda: f, b: weightIH.value.pointer, ldb: f,
                  beta: 1, c: gp, ldc: g4)
        for s in 0..<steps {
            let t = reverse ? steps - 1 - s : s
            let prev: Int? = s == 0 ? nil : (reverse ? t + 1 : t - 1)
            if let prev {
                // G_t += h_{t−1} · W_hhᵀ, rows strided by T·4H / T·H.
                BLAS.gemm(transB: true, m: n, n: g4, k: h, a: hp + prev * h, lda: steps * h,
                          b: weightHH.value.pointer, ldb: h, beta: 1, c: gp + t * g4, ldc: steps * g4)
            }
            for b in 0..<n {
                let gr = gp + (b * steps + t) * g4, o = (b * steps + t) * h
                let cPrev: UnsafeMutablePointer<Float>? = prev.map { cp + (b * steps + $0) * h }
                for j in 0..<h {
                    let ig = sigmoid(gr[j]), fg = sigmoid(gr[h + j]), gg = tanhf(gr[2 * h + j])
                    let og = sigmoid(gr[3 * h + j])
                    gr[j] = ig; gr[h + j] = fg; gr[2 * h + j] = gg; gr[3 * h + j] = og
                    let c = fg * (cPrev?[j] ?? 0) + ig * gg
                    let tc = tanhf(c)
                    cp[o + j] = c
                    tp[o + j] = tc
                    hp[o + j] = og * tc
                }
            }
        }
        input = training ? x : nil
        return out
    }

    /// BPTT. Per step (processing order reversed), with dh = dY_t + dh from step t+1's recurrence:
    /// dc = dc_next + dh ⊙ o ⊙ (1 − tanh²c); pre-activation gradients
    /// dî = dc ⊙ g ⊙ i(1−i), df̂ = dc ⊙ c_{t−1} ⊙ f(1−f), dĝ = dc ⊙ i ⊙ (1−g²), dô = dh ⊙ tanh c ⊙ o(1−o);
    /// dc_next = dc ⊙ f, dh_next = dĜ_t · W_hh. Then dW_ih += dĜᵀ·X, dW_hh += Σ_t dĜ_tᵀ·h_{t−1},
    /// db_ih = db_hh += Σ dĜ, dX = dĜ·W_ih (both as single GEMMs over all N·T rows).
    public func backward(_ dy: Tensor) throws -> Tensor {
        let x = try requireSaved(input, layer: layerName)
        let n = x.shape[0], steps = x.shape[1], f = inputSize, h = hiddenSize, g4 = 4 * h
        try requireGradShape(dy, Shape([n, steps, h]), layer: layerName)
        let gp = gatesCache.tensor(Shape([n, steps, g4])).pointer
        let cp = cellCache.tensor(Shape([n, steps, h])).pointer
        let tp = tanhCellCache.tensor(Shape([n, steps, h])).pointer
        let hp = outputCache.tensor(Shape([n, steps, h])).pointer
        let dG = gradGatesCache.tensor(Shape([n, steps, g4]))
        let dgp = dG.pointer, dyp = dy.pointer
        let dhNext = gradHiddenCache.tensor(Shape(rows: n, columns: h), zeroed: true).pointer
        let dcNext = gradCellCache.tensor(Shape(rows: n, columns: h), zeroed: true).pointer
        for s in stride(from: steps - 1, through: 0, by: -1) {
            let t = reverse ? steps - 1 - s : s
            let prev: Int? = s == 0 ? nil : (reverse ? t + 1 : t - 1)
            for b in 0..<n {
                let gr = gp + (b * steps + t) * g4, dr = dgp + (b * steps + t) * g4, o = (b * steps + t) * h
                let cPrev: UnsafeMutablePointer<Float>? = prev.map { cp + (b * steps + $0) * h }
                for j in 0..<h {
                    let ig = gr[j], fg = gr[h + j], gg = gr[2 * h + j], og = gr[3 * h + j], tc = tp[o + j]
                    let dh = dyp[o + j] + dhNext[b * h + j]
                    let dc = dcNext[b * h + j] + dh * og * (1 - tc * tc)
                    dr[j] = dc * gg * ig * (1 - ig)
                    dr[h + j] = dc * (cPrev?[j] ?? 0) * fg * (1 - fg)
                    dr[2 * h + j] = dc * ig * (1 - gg * gg)
                    dr[3 * h + j] = dh * tc * og * (1 - og)
                    dcNext[b * h + j] = dc * fg
                }
            }
            if let prev {
                // dh_{t−1} = dĜ_t · W_hh; W_hh's gradient uses the same step's rows.
                BLAS.gemm(m: n, n: h, k: g4, a: dgp + t * g4, lda: steps * g4, b: weightHH.value.pointer, ldb: h,
                          beta: 0, c: dhNext, ldc: h)
                if !weightHH.isFrozen {
                    BLAS.gemm(transA: true, m: g4, n: h, k: n, a: dgp + t * g4, lda: steps * g4, b: hp + prev * h,
                              ldb: steps * h, beta: 1, c: weightHH.grad.pointer, ldc: h)
                }
            }
        }
        let rows = n * steps
        if !weightIH.isFrozen {
            BLAS.gemm(transA: true, m: g4, n: f, k: rows, a: dgp, lda: g4, b: x.pointer, ldb: f, beta: 1,
                      c: weightIH.grad.pointer, ldc: f)
        }
        for bias in [biasIH, biasHH] where !bias.isFrozen {
            let db = bias.grad.pointer
            for r in 0..<rows {
                let row = dgp + r * g4
                for j in 0..<g4 { db[j] += row[j] }
            }
        }
        let dx = gradInputCache.tensor(x.shape)
        if needsInputGradient {
            BLAS.gemm(m: rows, n: f, k: g4, a: dgp, lda: g4, b: weightIH.value.pointer, ldb: f, beta: 0,
                      c: dx.pointer, ldc: f)
        }
        return dx
    }
}

/// Logistic σ of the i, f, o gates.
@inline(__always)
private func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
