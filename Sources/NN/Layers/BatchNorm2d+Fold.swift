import CamsiftCore
/// Folding an inference-mode BatchNorm into the convolution before it (Jacob et al. 2018, §3.2):
/// W' = W · γ/√(σ²+ε) per output channel, b' = (b − μ) · γ/√(σ²+ε) + β. One pass fewer over every feature map.
extension BatchNorm2d {
    /// Per-channel (scale, shift) of this layer in inference mode.
    public func inferenceScaleShift() -> [(scale: Float, shift: Float)] {
        (0..<channels).map { c in
            let s = gamma.value.pointer[c] / (runningVar.pointer[c] + eps).squareRoot()
            return (s, beta.value.pointer[c] - runningMean.pointer[c] * s)
        }
    }

    /// A new Conv2D computing `self(conv(x))` in inference mode, with a bias. `conv` is not modified.
    public func fold(into conv: Conv2D) throws -> Conv2D {
        guard conv.outChannels == channels else {
            throw NNError(code: .shapeMismatch,
                message: "cannot fold \(layerName) into \(conv.layerName): channel counts differ")
        }
        var rng = SeededGenerator(seed: 0)
        let folded = Conv2D(inChannels: conv.inChannels, outChannels: conv.outChannels, kernel: conv.kernel,
                            stride: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups,
                            bias: true, rng: &rng)
        foldWeights(conv.weight.value, conv.bias?.value, into: folded.weight.value, folded.bias!.value)
        return folded
    }

    /// A new DepthwiseConv2D computing `self(conv(x))` in inference mode, with a bias.
    public func fold(into conv: DepthwiseConv2D) throws -> DepthwiseConv2D {
        guard conv.channels == channels else {
            throw NNError(code: .shapeMismatch,
                message: "cannot fold \(layerName) into \(conv.layerName): channel counts differ")
        }
        var rng = SeededGenerator(seed: 0)
        let folded = DepthwiseConv2D(channels: channels, kernel: conv.kernel, stride: conv.stride,
                                     padding: conv.padding, dilation: conv.dilation, bias: true, rng: &rng)
        foldWeights(conv.weight.value, conv.bias?.value, into: folded.weight.value, folded.bias!.value)
        return folded
    }

    private func foldWeights(_ w: Tensor, _ b: Tensor?, into newW: Tensor, _ newB: Tensor) {
        let perChannel = w.count / channels
        for (c, ss) in inferenceScaleShift().enumerated() {
            for i in 0..<perChannel { newW.pointer[c * perChannel + i] = w.pointer[c * perChannel + i] * ss.scale }
            newB.pointer[c] = (b?.pointer[c] ?? 0) * ss.scale + ss.shift
        }
    }
}
