import CamsiftCore

/// The Table III network of Yan, Chen, Shyu, Chen ("Deep Learning for Imbalanced Multimedia Data
/// Classification"): a tiny CNN over the 324 PCA-reduced low-level features of a frame, reshaped to 1 × 18 × 18.
///
///     input 1×18×18 → conv1 6@3×3 (valid) → 6×16×16 → σ → conv2 9@3×3 (valid) → 9×14×14 → σ → fc 1764 → 2
///
/// No pooling: the paper argues low-level features "are not always stationary", so every position keeps its own
/// output. Activations are the sigmoid of Eq. 1 (`Sigmoid`). Deviation, stated: camsift trains with softmax
/// cross-entropy (`SoftmaxCrossEntropy`), so by default the two fully connected outputs are left as logits; with
/// `outputSigmoid: true` a third sigmoid follows them as in a network trained on squared error. Weights are
/// Kaiming-uniform (Conv2D/Dense defaults) from `seed`; 4,085 parameters (conv1 60, conv2 495, fc 3,530).
public enum LowLevelCNN {
    /// The paper's input side: 18 × 18 = 324 PCA components.
    public static let inputSide = 18
    public static let conv1Channels = 6
    public static let conv2Channels = 9
    public static let outputs = 2

    /// - Parameter outputs: 2 for the paper's binary concept detector; the cascade's cheap stage (issue 20) uses one
    ///   output per class of the bundle it fronts — the same network with a K-way softmax, the natural
    ///   generalisation of Table III's two outputs.
    public static func make(outputs: Int = LowLevelCNN.outputs, outputSigmoid: Bool = false, seed: UInt64 = 1) throws -> Sequential {
        precondition(outputs >= 2, "LowLevelCNN needs at least 2 outputs")
        var rng = SeededGenerator(seed: seed)
        let side = inputSide - 4
        var layers: [(String, any Layer)] = [
            ("conv1", Conv2D(1, conv1Channels, kernel: 3, padding: 0, rng: &rng)),
            ("sig1", Sigmoid()),
            ("conv2", Conv2D(conv1Channels, conv2Channels, kernel: 3, padding: 0, rng: &rng)),
            ("sig2", Sigmoid()),
            ("flatten", Flatten()),
            ("fc", Dense(conv2Channels * side * side, outputs, rng: &rng)),
        ]
        if outputSigmoid { layers.append(("sig3", Sigmoid())) }
        let model = Sequential(layers)
        _ = try model.outputShape(for: Shape(n: 1, c: 1, h: inputSide, w: inputSide))
        return model
    }

    /// A batch of 324-value feature vectors as the network's `[n, 1, 18, 18]` input (row-major reshape).
    public static func input(_ vectors: [[Float]]) throws -> Tensor {
        let d = inputSide * inputSide
        guard vectors.allSatisfy({ $0.count == d }) else {
            throw NNError(code: .shapeMismatch, message: "LowLevelCNN: every vector must hold \(d) values (PCA output)")
        }
        return Tensor(shape: Shape(n: vectors.count, c: 1, h: inputSide, w: inputSide), values: vectors.flatMap { $0 })
    }
}
