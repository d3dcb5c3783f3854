import CamsiftCore

/// A `Dense` applied to every time step of `[N, T, F]` → `[N, T, out]` (Keras' `TimeDistributed(Dense)`;
/// PyTorch's `nn.Linear` does the same on a 3-D input). The sequence is a view `[N·T, F]` of the same storage, so
/// the whole window is one `cblas_sgemm` and nothing is copied; backward reshapes dY the same way.
///
/// Used as the window classifier's input projection: per-frame CNN features (EfficientNet-Lite0's 1280) go to a
/// width P before the residual BiLSTM stack, a deviation from "Deep Spatio-Temporal Representation Learning for
/// Multi-Class Imbalanced Data Classification" (whose BiLSTMs read the features directly). The residual
/// h_l = BiLSTM(h_{l−1}) + h_{l−1} forces the BiLSTM width to equal its input width, so without it every recurrent
/// layer would be 1280 wide; with it W_ih, W_hh and the per-step cost shrink by (1280/P)² (see `WindowNetwork`).
///
/// Parameters are the dense layer's own, `weight [out, F]` and `bias [out]`, with no extra path component, so a
/// `TimeDistributed` named "proj" stores `proj.weight`, as an `nn.Linear` attribute "proj" would.
public final class TimeDistributed: Layer {
    public let dense: Dense
    public var needsInputGradient = true
    var inputShape: Shape?

    public init(_ dense: Dense) { self.dense = dense }

    /// `TimeDistributed(Dense(inFeatures, outFeatures, gain:, rng:))`.
    public convenience init(_ inFeatures: Int, _ outFeatures: Int, gain: Float = 1, rng: inout SeededGenerator) {
        self.init(Dense(inFeatures, outFeatures, gain: gain, rng: &rng))
    }

    public var ownParameters: [(String, Parameter)] { dense.ownParameters }
    var layerName: String { "TimeDistributed(Dense(\(dense.inFeatures)→\(dense.outFeatures)))" }

    public func outputShape(for input: Shape) throws -> Shape {
        try checkInput(input)
        return Shape([input[0], input[1], dense.outFeatures])
    }

    func checkInput(_ shape: Shape) throws {
        guard shape.rank == 3, shape[2] == dense.inFeatures else {
            throw NNError(code: .shapeMismatch,
                message: "\(layerName): expected an [N, T, \(dense.inFeatures)] (batch, time, features) input, "
                + "got \(shape)")
        }
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        try checkInput(x.shape)
        let n = x.shape[0], steps = x.shape[1]
        let y = try dense.forward(x.reshaped(Shape(rows: n * steps, columns: dense.inFeatures)), training: training)
        inputShape = training ? x.shape : nil
        return y.reshaped(Shape([n, steps, dense.outFeatures]))
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        guard let shape = inputShape else {
            throw NNError(code: .invalidArgument,
                message: "\(layerName): backward called without a preceding forward(training: true)")
        }
        let rows = shape[0] * shape[1]
        try requireGradShape(dy, Shape([shape[0], shape[1], dense.outFeatures]), layer: layerName)
        dense.needsInputGradient = needsInputGradient
        let dx = try dense.backward(dy.reshaped(Shape(rows: rows, columns: dense.outFeatures)))
        return dx.reshaped(shape)
    }
}
