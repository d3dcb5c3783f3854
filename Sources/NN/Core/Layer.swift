/// One differentiable step of a network. Layers are classes because they own state across calls: parameters,
/// the input kept for `backward`, and output/scratch buffers reused from step to step (see `TensorCache`).
///
/// Contract:
/// - `forward(_:training:)` returns a tensor owned by the layer, valid until the layer's next forward.
///   `training: true` keeps what `backward` needs (and uses batch statistics in BatchNorm, masks in Dropout).
/// - `backward(_:)` takes dL/d(output) of the last training forward, *adds* dL/d(parameter) into each
///   non-frozen parameter's `grad`, and returns dL/d(input) — unless `needsInputGradient` is false (the first
///   layer of a model, or the top of a frozen prefix), in which case the returned tensor is unspecified.
/// - Containers (`Sequential`, `Residual`) expose `children`; leaves expose `ownParameters`/`ownBuffers`.
///   Names join with "." into PyTorch-style paths: `blocks.3.dw.weight`, `head.bn.running_mean`.
public protocol Layer: AnyObject {
    func forward(_ input: Tensor, training: Bool) throws -> Tensor
    func backward(_ gradOutput: Tensor) throws -> Tensor
    /// Trainable tensors of this layer itself, by short name ("weight", "bias").
    var ownParameters: [(String, Parameter)] { get }
    /// Non-trainable state saved with the model ("running_mean", "running_var").
    var ownBuffers: [(String, Tensor)] { get }
    /// Sub-layers by name (containers only).
    var children: [(String, any Layer)] { get }
    var needsInputGradient: Bool { get set }
    /// The output shape for an input shape, without running (for builders and shape checks).
    func outputShape(for input: Shape) throws -> Shape
}

extension Layer {
    public var ownParameters: [(String, Parameter)] { [] }
    public var ownBuffers: [(String, Tensor)] { [] }
    public var children: [(String, any Layer)] { [] }
}

/// Throws a clear error unless `input` is rank 4 with `channels` channels.
@inline(__always)
func requireImage(_ input: Tensor, channels: Int?, layer: String) throws {
    guard input.shape.rank == 4 else {
        throw NNError(code: .shapeMismatch, message: "\(layer): expected an NCHW tensor (rank 4), got \(input.shape); "
            + "reshape feature vectors to [N, C, 1, 1] or use Flatten/Dense")
    }
    if let channels, input.shape.c != channels {
        throw NNError(code: .shapeMismatch,
            message: "\(layer): expected \(channels) input channels, got \(input.shape) "
            + "(check the previous layer's output channels)")
    }
}

/// Throws unless `saved` (the input remembered by a training forward) is present.
@inline(__always)
func requireSaved(_ saved: Tensor?, layer: String) throws -> Tensor {
    guard let saved else {
        throw NNError(code: .invalidArgument,
            message: "\(layer): backward called without a preceding forward(training: true)")
    }
    return saved
}

/// Throws unless `grad` has the shape the last forward produced.
@inline(__always)
func requireGradShape(_ grad: Tensor, _ expected: Shape, layer: String) throws {
    guard grad.shape == expected else {
        throw NNError(code: .shapeMismatch,
            message: "\(layer): gradient \(grad.shape) does not match forward output \(expected)")
    }
}
