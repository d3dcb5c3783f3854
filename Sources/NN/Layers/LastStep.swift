/// The last time step of a sequence: `[N, T, F]` → `[N, F]`, y[n] = x[n, T−1].
///
/// The window classifier of "Deep Spatio-Temporal Representation Learning for Multi-Class Imbalanced Data
/// Classification" (Pouyanfar, Chen, Shyu) classifies a window from the state after its last frame: batch
/// normalisation and the dense layers see t = T−1 of the top recurrent layer. With a bidirectional layer that
/// step holds the forward direction's summary of the whole window and the backward direction's state after one
/// frame (PyTorch's `output[:, -1]`, which is what the paper's Keras `return_sequences=False` stack reads too).
///
/// Backward scatters dY into step T−1 of a zero dX: the other steps get their gradient only through the
/// recurrence.
public final class LastStep: Layer {
    public var needsInputGradient = true
    var inputShape: Shape?
    var outputCache = TensorCache(), gradInputCache = TensorCache()

    public init() {}

    public func outputShape(for input: Shape) throws -> Shape {
        try checkInput(input)
        return Shape(rows: input[0], columns: input[2])
    }

    func checkInput(_ shape: Shape) throws {
        guard shape.rank == 3, shape[1] >= 1 else {
            throw NNError(code: .shapeMismatch,
                message: "LastStep: expected an [N, T, F] (batch, time, features) input with T ≥ 1, got \(shape)")
        }
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        try checkInput(x.shape)
        let n = x.shape[0], steps = x.shape[1], f = x.shape[2]
        let out = outputCache.tensor(Shape(rows: n, columns: f))
        for b in 0..<n { (out.pointer + b * f).update(from: x.pointer + (b * steps + steps - 1) * f, count: f) }
        inputShape = training ? x.shape : nil
        return out
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        guard let shape = inputShape else {
            throw NNError(code: .invalidArgument,
                message: "LastStep: backward called without a preceding forward(training: true)")
        }
        let n = shape[0], steps = shape[1], f = shape[2]
        try requireGradShape(dy, Shape(rows: n, columns: f), layer: "LastStep")
        let dx = gradInputCache.tensor(shape, zeroed: true)
        guard needsInputGradient else { return dx }
        for b in 0..<n { (dx.pointer + (b * steps + steps - 1) * f).update(from: dy.pointer + b * f, count: f) }
        return dx
    }
}
