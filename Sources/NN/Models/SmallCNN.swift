/// The from-scratch network for small inputs (28–64 px), used by the learning issue when there is no pretrained
/// backbone: three conv3×3-BN-ReLU stages (32, 64, 128 channels) with 2×2 max-pooling after the first two, global
/// average pooling, dropout and a linear classifier. bench/peers/torch_train.py builds the identical network.
///
/// Parameter names: `conv1.weight`, `bn1.running_mean`, ..., `fc.weight` (PyTorch attribute style).
public enum SmallCNN {
    /// Channel widths of the three stages.
    public static let widths = [32, 64, 128]

    /// Builds the network for `inputChannels` × `inputSize` × `inputSize` images and `classes` outputs.
    /// Weights are drawn from `seed`, so the same seed gives the same initial model.
    public static func make(inputChannels: Int, inputSize: Int, classes: Int, dropout: Float = 0.25,
                            seed: UInt64 = 1) throws -> Sequential {
        guard inputChannels >= 1, classes >= 2 else {
            throw NNError(code: .invalidArgument, message: "SmallCNN: need ≥ 1 input channel and ≥ 2 classes "
                + "(got \(inputChannels), \(classes))")
        }
        guard inputSize >= 4 else {
            throw NNError(code: .invalidArgument,
                message: "SmallCNN: input size \(inputSize) is below the minimum of 4 px "
                + "(two 2×2 poolings); resize inputs to 28–64 px")
        }
        var rng = SeededGenerator(seed: seed)
        var layers: [(String, any Layer)] = []
        var channels = inputChannels
        for (stage, width) in widths.enumerated() {
            let i = stage + 1
            layers.append(("conv\(i)", Conv2D(channels, width, kernel: 3, padding: 1, bias: false, rng: &rng)))
            // BN with its ReLU fused (one pass fewer each way; same values as a separate `ReLU` layer).
            layers.append(("bn\(i)", BatchNorm2d(channels: width, relu: true)))
            if stage < widths.count - 1 { layers.append(("pool\(i)", MaxPool2d(kernel: 2))) }
            channels = width
        }
        layers.append(("gap", GlobalAvgPool()))
        layers.append(("dropout", Dropout(dropout, seed: seed &+ 17)))
        layers.append(("fc", Dense(channels, classes, gain: 0.5, rng: &rng)))
        let model = Sequential(layers)
        _ = try model.outputShape(for: Shape(n: 1, c: inputChannels, h: inputSize, w: inputSize))
        return model
    }
}

extension SmallCNN {
    /// The `architecture` object for a model file: `{"name": "small-cnn", ...}` with what `make` needs.
    public static func architectureJSON(inputChannels: Int, inputSize: Int, classes: Int, dropout: Float = 0.25)
        -> String {
        "{\"name\": \"small-cnn\", \"inputChannels\": \(inputChannels), \"inputSize\": \(inputSize), "
            + "\"classes\": \(classes), \"widths\": [32, 64, 128], \"dropout\": \(dropout)}"
    }

    /// Rebuilds a small CNN from a model file written with `architectureJSON` and loads its weights.
    public static func make(modelFile file: ModelFile) throws -> Sequential {
        let a = file.architectureObject()
        guard file.architectureName == "small-cnn", let channels = a["inputChannels"] as? Int,
              let size = a["inputSize"] as? Int, let classes = a["classes"] as? Int else {
            throw NNError(code: .unsupportedArchitecture, message: "model is '\(file.architectureName)', not a "
                + "small-cnn description with inputChannels/inputSize/classes; train it with --arch small")
        }
        let dropout = (a["dropout"] as? Double).map(Float.init) ?? 0.25
        let model = try make(inputChannels: channels, inputSize: size, classes: classes, dropout: dropout)
        try model.load(modelFile: file)
        return model
    }
}
