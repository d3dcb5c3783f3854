import CamsiftCore

/// Bidirectional LSTM over `[N, T, F]`: a forward-time `LSTM` and a `reverse: true` one over the same input, their
/// sequences concatenated per step to `[N, T, 2H]` (forward direction first, as `torch.nn.LSTM(bidirectional:
/// true)` lays it out), so every output step sees the whole window, past and future.
///
/// `residual: true` is the block of "Deep Spatio-Temporal Representation Learning for Multi-Class Imbalanced Data
/// Classification": h_l = BiLSTM(h_{l−1}) + h_{l−1}. The identity skip lets stacked BiLSTM layers train as
/// refinements of their input (He et al.'s residual argument), and needs the output width 2H to equal the input
/// width F — the initialiser throws otherwise rather than guessing a projection.
///
/// Parameters use PyTorch's one-layer names (`weight_ih_l0`, …, `bias_hh_l0_reverse`) so a state dict of
/// `nn.LSTM(F, H, batch_first=True, bidirectional=True)` maps onto them directly.
public final class BiLSTM: Layer {
    public let inputSize: Int, hiddenSize: Int
    public let residual: Bool
    public let forwardLSTM: LSTM, backwardLSTM: LSTM
    public var needsInputGradient = true
    var outputCache = TensorCache(), gradInputCache = TensorCache()
    var gradForwardCache = TensorCache(), gradBackwardCache = TensorCache()
    var outputShape: Shape?

    public init(inputSize: Int, hiddenSize: Int, residual: Bool = false, rng: inout SeededGenerator) throws {
        if residual && 2 * hiddenSize != inputSize {
            throw NNError(code: .shapeMismatch,
                message: "BiLSTM(\(inputSize)→2×\(hiddenSize)): the residual h_l = BiLSTM(h_{l−1}) + h_{l−1} needs "
                + "2H == F, got 2·\(hiddenSize) = \(2 * hiddenSize) vs F = \(inputSize); "
                + "use hiddenSize \(inputSize / 2) (F must be even) or drop residual")
        }
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.residual = residual
        forwardLSTM = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, rng: &rng)
        backwardLSTM = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, reverse: true, rng: &rng)
    }

    /// Both directions' parameters under PyTorch's names (the directions are owned, not exposed as children, so
    /// the names carry no extra path component).
    public var ownParameters: [(String, Parameter)] { forwardLSTM.ownParameters + backwardLSTM.ownParameters }
    var layerName: String { "BiLSTM(\(inputSize)→2×\(hiddenSize)\(residual ? ", residual" : ""))" }

    public func outputShape(for input: Shape) throws -> Shape {
        try checkInput(input)
        return Shape([input[0], input[1], 2 * hiddenSize])
    }

    func checkInput(_ shape: Shape) throws {
        guard shape.rank == 3, shape[2] == inputSize else {
            throw NNError(code: .shapeMismatch,
                message: "\(layerName): expected a [N, T, \(inputSize)] (batch, time, features) input, got \(shape)")
        }
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        try checkInput(x.shape)
        let n = x.shape[0], steps = x.shape[1], h = hiddenSize, h2 = 2 * h
        let yf = try forwardLSTM.forward(x, training: training)
        let yb = try backwardLSTM.forward(x, training: training)
        let shape = Shape([n, steps, h2])
        let out = outputCache.tensor(shape)
        let o = out.pointer, fp = yf.pointer, bp = yb.pointer, xp = x.pointer
        for r in 0..<(n * steps) {
            (o + r * h2).update(from: fp + r * h, count: h)
            (o + r * h2 + h).update(from: bp + r * h, count: h)
            if residual {
                for j in 0..<h2 { o[r * h2 + j] += xp[r * h2 + j] }
            }
        }
        outputShape = training ? shape : nil
        return out
    }

    /// Splits dY into the two directions' halves, runs their BPTT, and sums their input gradients (plus dY
    /// itself through the residual identity).
    public func backward(_ dy: Tensor) throws -> Tensor {
        guard let shape = outputShape else {
            throw NNError(code: .invalidArgument,
                message: "\(layerName): backward called without a preceding forward(training: true)")
        }
        try requireGradShape(dy, shape, layer: layerName)
        let n = shape[0], steps = shape[1], h = hiddenSize, h2 = 2 * h, rows = n * steps
        let half = Shape([n, steps, h])
        let df = gradForwardCache.tensor(half), db = gradBackwardCache.tensor(half)
        let g = dy.pointer, fp = df.pointer, bp = db.pointer
        for r in 0..<rows {
            (fp + r * h).update(from: g + r * h2, count: h)
            (bp + r * h).update(from: g + r * h2 + h, count: h)
        }
        forwardLSTM.needsInputGradient = needsInputGradient
        backwardLSTM.needsInputGradient = needsInputGradient
        let dxf = try forwardLSTM.backward(df)
        let dxb = try backwardLSTM.backward(db)
        let dx = gradInputCache.tensor(Shape([n, steps, inputSize]))
        if needsInputGradient {
            let o = dx.pointer, a = dxf.pointer, b = dxb.pointer
            for i in 0..<dx.count { o[i] = a[i] + b[i] }
            if residual {
                for i in 0..<dx.count { o[i] += g[i] }
            }
        }
        return dx
    }
}
