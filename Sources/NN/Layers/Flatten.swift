/// [N, C, H, W] → [N, C·H·W] as a view (no copy); backward reshapes the gradient back.
public final class Flatten: Layer {
    public var needsInputGradient = true
    var inputShape: Shape?

    public init() {}

    public func outputShape(for input: Shape) throws -> Shape { Shape(rows: input.n, columns: input.perItem) }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        inputShape = x.shape
        return x.reshaped(Shape(rows: x.shape.n, columns: x.shape.perItem))
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        guard let inputShape else { throw NNError(code: .invalidArgument,
            message: "Flatten: backward without forward") }
        try requireGradShape(dy, Shape(rows: inputShape.n, columns: inputShape.perItem), layer: "Flatten")
        return dy.reshaped(inputShape)
    }
}
