/// Layers applied in order; the model type the trainer works with. Children are named ("stem", "0", ...), and the
/// names build the dotted parameter paths a model file stores.
///
/// Backward skips work a frozen prefix does not need: layers before the first one with a trainable parameter get
/// no backward call at all, and that first trainable layer computes no input gradient (transfer learning with a
/// frozen backbone then costs a forward plus the head's backward).
public final class Sequential: Layer {
    public private(set) var layers: [(String, any Layer)]
    public var needsInputGradient = false

    /// Named layers; names must be unique and contain no ".".
    public init(_ layers: [(String, any Layer)]) {
        precondition(Set(layers.map(\.0)).count == layers.count, "Sequential: duplicate layer names")
        precondition(!layers.contains { $0.0.contains(".") || $0.0.isEmpty }, "Sequential: names need no '.'")
        self.layers = layers
    }

    /// Layers named "0", "1", ... (PyTorch `nn.Sequential` naming).
    public convenience init(_ layers: [any Layer]) {
        self.init(layers.enumerated().map { (String($0.offset), $0.element) })
    }

    public var children: [(String, any Layer)] { layers }

    /// The child named `name`, if any.
    public subscript(_ name: String) -> (any Layer)? { layers.first { $0.0 == name }?.1 }

    public func append(_ name: String, _ layer: any Layer) {
        precondition(self[name] == nil && !name.contains("."), "Sequential: bad or duplicate name \(name)")
        layers.append((name, layer))
    }

    public func outputShape(for input: Shape) throws -> Shape {
        var shape = input
        for (_, layer) in layers { shape = try layer.outputShape(for: shape) }
        return shape
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        var h = x
        for (_, layer) in layers { h = try layer.forward(h, training: training) }
        return h
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        var first = 0
        if !needsInputGradient {
            guard let trainable = layers.firstIndex(where: { $0.1.hasTrainableParameters }) else { return dy }
            first = trainable
        }
        var g = dy
        for index in stride(from: layers.count - 1, through: first, by: -1) {
            let layer = layers[index].1
            layer.needsInputGradient = index > first || needsInputGradient
            g = try layer.backward(g)
        }
        return g
    }
}
