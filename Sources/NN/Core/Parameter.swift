/// A trainable tensor and its gradient. Gradients *accumulate* across `backward` calls (PyTorch semantics) until
/// `zeroGrad()`; optimizers skip frozen parameters and layers skip computing their gradients.
public final class Parameter {
    public let value: Tensor
    public let grad: Tensor
    /// Frozen parameters get no gradient and no update (transfer learning's "freeze the backbone").
    public var isFrozen = false
    /// Whether weight decay applies. Off for biases and BatchNorm affine parameters, the usual convention
    /// (decaying a BN scale towards 0 fights the normalisation rather than regularising).
    public let decays: Bool

    public init(_ value: Tensor, decays: Bool) {
        self.value = value
        self.grad = Tensor(zeros: value.shape)
        self.decays = decays
    }

    public var shape: Shape { value.shape }
    public func zeroGrad() { grad.fill(0) }
}
