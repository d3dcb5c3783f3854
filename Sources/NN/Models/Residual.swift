/// Residual connection (the "Add" of He et al. 2016, and of MobileNetV2's inverted residual, Sandler et al. 2018,
/// Fig. 3): out = body(x) + shortcut(x), with the identity shortcut when none is given. Backward sends dY through
/// both paths and adds the input gradients. The body's children appear directly under this block's name
/// ("blocks.3.dw.weight"), the shortcut's under "shortcut".
public final class Residual: Layer {
    public let body: Sequential
    public let shortcut: (any Layer)?
    public var needsInputGradient = true
    var outputCache = TensorCache(), gradInputCache = TensorCache()
    var outputShape: Shape?

    public init(_ body: Sequential, shortcut: (any Layer)? = nil) {
        self.body = body
        self.shortcut = shortcut
    }

    public var children: [(String, any Layer)] {
        if let shortcut { return body.layers + [("shortcut", shortcut)] }
        return body.layers
    }

    public func outputShape(for input: Shape) throws -> Shape {
        let a = try body.outputShape(for: input)
        let b = try shortcut?.outputShape(for: input) ?? input
        guard a == b else {
            throw NNError(code: .shapeMismatch,
                message: "Residual: body gives \(a) but the shortcut gives \(b); add a projection "
                + "shortcut or drop the skip for blocks that change shape")
        }
        return a
    }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        let y = try body.forward(x, training: training)
        let s = try shortcut?.forward(x, training: training) ?? x
        guard y.shape == s.shape else {
            throw NNError(code: .shapeMismatch,
                message: "Residual: body gives \(y.shape) but the shortcut gives \(s.shape)")
        }
        let out = outputCache.tensor(y.shape)
        let a = y.pointer, b = s.pointer, o = out.pointer
        NNThreads.parallelChunks(y.count, grain: 1 << 15) { r in
            for i in r { o[i] = a[i] + b[i] }
        }
        outputShape = y.shape
        return out
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        guard let shape = outputShape else { throw NNError(code: .invalidArgument,
            message: "Residual: backward without forward") }
        try requireGradShape(dy, shape, layer: "Residual")
        body.needsInputGradient = needsInputGradient
        let bodyTrainable = body.hasTrainableParameters
        let dBody: Tensor? = (bodyTrainable || needsInputGradient) ? try body.backward(dy) : nil
        var dShort: Tensor? = dy
        if let shortcut {
            shortcut.needsInputGradient = needsInputGradient
            dShort = (shortcut.hasTrainableParameters || needsInputGradient) ? try shortcut.backward(dy) : nil
        }
        guard needsInputGradient, let dBody, let dShort else { return dy }
        let dx = gradInputCache.tensor(dBody.shape)
        let a = dBody.pointer, b = dShort.pointer, o = dx.pointer
        NNThreads.parallelChunks(dx.count, grain: 1 << 15) { r in
            for i in r { o[i] = a[i] + b[i] }
        }
        return dx
    }
}
