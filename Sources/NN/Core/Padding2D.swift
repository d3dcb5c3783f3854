/// Explicit zero padding of a 2-D window op, per side. Asymmetric padding exists because TensorFlow's "same"
/// puts the odd pixel at the bottom/right (EfficientNet-Lite's stride-2 layers depend on it).
public struct Padding2D: Hashable, Sendable, CustomStringConvertible {
    public var top: Int, bottom: Int, left: Int, right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int) {
        precondition(top >= 0 && bottom >= 0 && left >= 0 && right >= 0, "negative padding")
        (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
    }

    /// The same padding on every side (PyTorch's `padding=p`).
    public static func uniform(_ p: Int) -> Padding2D { Padding2D(top: p, bottom: p, left: p, right: p) }
    public static let zero = Padding2D.uniform(0)

    /// TensorFlow "SAME": output = ceil(input / stride); the total padding is split with the extra pixel on the
    /// bottom/right (tf.nn.conv2d documentation, "padding" section).
    public static func same(inputHeight: Int, inputWidth: Int, kernel: (Int, Int), stride: (Int, Int),
                            dilation: (Int, Int) = (1, 1)) -> Padding2D {
        func split(_ input: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
            let out = (input + s - 1) / s
            let total = Swift.max((out - 1) * s + (k - 1) * d + 1 - input, 0)
            return (total / 2, total - total / 2)
        }
        let (t, b) = split(inputHeight, kernel.0, stride.0, dilation.0)
        let (l, r) = split(inputWidth, kernel.1, stride.1, dilation.1)
        return Padding2D(top: t, bottom: b, left: l, right: r)
    }

    public var description: String { "[\(top),\(bottom),\(left),\(right)]" }
}

/// How a window layer pads: fixed sides, or TF "same" recomputed for each input size.
public enum PaddingMode: Hashable, Sendable {
    case explicit(Padding2D)
    case same

    func resolve(height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int)) -> Padding2D {
        switch self {
        case .explicit(let p): return p
        case .same:
            return .same(inputHeight: height, inputWidth: width, kernel: kernel, stride: stride, dilation: dilation)
        }
    }
}

/// Resolved geometry of one 2-D window op on one input size.
struct WindowGeometry: Equatable {
    var inH: Int, inW: Int
    var kH: Int, kW: Int
    var strideH: Int, strideW: Int
    var dilationH: Int, dilationW: Int
    var pad: Padding2D
    var outH: Int, outW: Int

    init(inH: Int, inW: Int, kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int), padding: PaddingMode,
         layer: String) throws {
        (self.inH, self.inW) = (inH, inW)
        (kH, kW) = kernel
        (strideH, strideW) = stride
        (dilationH, dilationW) = dilation
        pad = padding.resolve(height: inH, width: inW, kernel: kernel, stride: stride, dilation: dilation)
        let spanH = inH + pad.top + pad.bottom - dilationH * (kH - 1) - 1
        let spanW = inW + pad.left + pad.right - dilationW * (kW - 1) - 1
        guard spanH >= 0, spanW >= 0 else {
            throw NNError(code: .shapeMismatch,
                message: "\(layer): input \(inH)×\(inW) is smaller than the \(kH)×\(kW) window "
                + "(dilation \(dilationH)×\(dilationW), padding \(pad)); use a larger input or more padding")
        }
        outH = spanH / strideH + 1
        outW = spanW / strideW + 1
    }

    var outPlane: Int { outH * outW }
    var inPlane: Int { inH * inW }
    var isIdentityWindow: Bool {
        kH == 1 && kW == 1 && strideH == 1 && strideW == 1 && pad == .zero
    }
}
