/// A convolution with its BatchNorm folded in, for inference: `W' = W·γ/√(σ²+ε)`, `b' = β − μ·γ/√(σ²+ε)`
/// (Ioffe & Szegedy 2015, §3.1: at inference BN is a fixed per-channel affine map, so it merges into the
/// preceding linear layer). Saves a full pass over every activation and lets bias + ReLU6 fuse into the
/// consumer of the output.
struct FoldedConv: Sendable {
    let outChannels: Int
    /// Input channels per group (1 for depthwise).
    let inChannels: Int
    let kernel: Int
    /// `[out, in, k, k]`, row-major: for 1×1 convs this is the GEMM's `[out × in]` A-matrix.
    let weights: [Float]
    let bias: [Float]

    init(outChannels: Int, inChannels: Int, kernel: Int, weights: [Float], bias: [Float]) {
        precondition(weights.count == outChannels * inChannels * kernel * kernel && bias.count == outChannels)
        self.outChannels = outChannels
        self.inChannels = inChannels
        self.kernel = kernel
        self.weights = weights
        self.bias = bias
    }

    /// Folds `bn` (`PREFIX.weight/.bias/.running_mean/.running_var`) into `conv` (`[out, in, k, k]`).
    static func fold(conv: String, bn: String, epsilon: Float, from model: ModelFile) throws -> FoldedConv {
        let w = try model.tensor(conv)
        guard w.shape.count == 4, w.shape[2] == w.shape[3] else {
            throw NNError(code: .shapeMismatch, message: "tensor '\(conv)' has shape \(w.shape); expected [out, in, k, k]")
        }
        let out = w.shape[0]
        let gamma = try model.tensor(bn + ".weight", shape: [out]).values
        let beta = try model.tensor(bn + ".bias", shape: [out]).values
        let mean = try model.tensor(bn + ".running_mean", shape: [out]).values
        let variance = try model.tensor(bn + ".running_var", shape: [out]).values
        return fold(weights: w.values, shape: w.shape, gamma: gamma, beta: beta, mean: mean, variance: variance,
                    epsilon: epsilon)
    }

    /// The folding arithmetic itself (in Double, so the folded model matches the unfolded one to float rounding).
    static func fold(weights: [Float], shape: [Int], gamma: [Float], beta: [Float], mean: [Float], variance: [Float],
                     epsilon: Float) -> FoldedConv {
        let out = shape[0]
        let per = weights.count / out
        var w = weights
        var b = [Float](repeating: 0, count: out)
        for o in 0..<out {
            let scale = Double(gamma[o]) / (Double(variance[o]) + Double(epsilon)).squareRoot()
            for i in 0..<per { w[o * per + i] = Float(Double(weights[o * per + i]) * scale) }
            b[o] = Float(Double(beta[o]) - Double(mean[o]) * scale)
        }
        return FoldedConv(outChannels: out, inChannels: shape[1], kernel: shape[2], weights: w, bias: b)
    }
}
