import CamsiftCore

/// The from-scratch networks for small inputs (28–64 px), used when there is no pretrained backbone.
///
/// Two layouts (`Layout`): `vgg`, the default since issue 16, is the reference protocol's network (the one the
/// PyTorch peer of `make bench-longtail` trains: conv3×3 32-BN-ReLU ×2, 2×2 max-pool, conv3×3 64-BN-ReLU ×2,
/// max-pool, dense 128-ReLU, dropout 0.3, dense; no conv bias; 468,010 parameters at 28 px and 10 classes). The
/// earlier `gap` network (three conv-BN-ReLU stages of 32, 64, 128 channels, global average pooling, dropout 0.25,
/// 93 k parameters) reached 0.83 balanced macro F1 on Fashion-MNIST where `vgg` reaches 0.91 with the same recipe;
/// it stays for old bundles (a model file without `"layout"` is one) and for `make bench-engine`'s training-speed
/// comparison, whose PyTorch twin (bench/peers/torch_train.py) builds it.
///
/// Parameter names follow PyTorch attribute style: `conv1.weight`, `bn1.running_mean`, …, `fc.weight`.
public enum SmallCNN {
    public enum Layout: String, Sendable, CaseIterable, Codable {
        case vgg, gap

        /// Conv widths per stage (a 2×2 max-pool after every stage but `gap`'s last).
        public var stages: [[Int]] {
            switch self {
            case .vgg: return [[32, 32], [64, 64]]
            case .gap: return [[32], [64], [128]]
            }
        }

        public var defaultDropout: Float { self == .vgg ? 0.3 : 0.25 }
    }

    /// How the initial weights are drawn. `he`: Kaiming-uniform for ReLU, U(±√(6 / fan_in)), zero biases
    /// (He et al. 2015, §2.2), the dense logits layer at half that bound. `pytorch`: what `nn.Conv2d` and
    /// `nn.Linear` draw by default (`kaiming_uniform_(a = √5)`, i.e. U(±√(1 / fan_in)), biases U(±1/√fan_in)) —
    /// the reference protocol's PyTorch peer. Behind batch norm the conv weights' scale is the optimiser's: their
    /// effective step is ∝ η / ‖w‖², so the `he` draw (6× the squared norm) starts with a 6× smaller effective
    /// rate than the peer at the same `--lr`.
    public enum Initialization: String, Sendable, CaseIterable, Codable { case he, pytorch }

    /// Channel widths of the `gap` layout's stages (old model files record them).
    public static let widths = [32, 64, 128]

    /// Builds the network for `inputChannels` × `inputSize` × `inputSize` images and `classes` outputs.
    /// Weights are drawn from `seed`, so the same seed gives the same initial model.
    public static func make(inputChannels: Int, inputSize: Int, classes: Int, layout: Layout = .vgg,
                            dropout: Float? = nil, seed: UInt64 = 1, initialization: Initialization = .he) throws -> Sequential {
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
        var side = inputSize
        let stages = layout.stages
        for (stage, widths) in stages.enumerated() {
            for (k, width) in widths.enumerated() {
                // `gap` keeps its old names (conv1, bn1, …); `vgg` numbers convs within a stage (conv1a, conv1b).
                let name = widths.count == 1 ? "\(stage + 1)" : "\(stage + 1)\(Character(UnicodeScalar(97 + k)!))"
                layers.append(("conv\(name)", Conv2D(channels, width, kernel: 3, padding: 1, bias: false, rng: &rng)))
                // BN with its ReLU fused (one pass fewer each way; same values as a separate `ReLU` layer).
                layers.append(("bn\(name)", BatchNorm2d(channels: width, relu: true)))
                channels = width
            }
            if layout == .vgg || stage < stages.count - 1 {
                layers.append(("pool\(stage + 1)", MaxPool2d(kernel: 2)))
                side /= 2
            }
        }
        let p = dropout ?? layout.defaultDropout
        switch layout {
        case .gap:
            layers.append(("gap", GlobalAvgPool()))
            layers.append(("dropout", Dropout(p, seed: seed &+ 17)))
            layers.append(("fc", Dense(channels, classes, gain: 0.5, rng: &rng)))
        case .vgg:
            layers.append(("flatten", Flatten()))
            layers.append(("fc1", Dense(channels * side * side, 128, rng: &rng)))
            layers.append(("relu", ReLU()))
            layers.append(("dropout", Dropout(p, seed: seed &+ 17)))
            layers.append(("fc", Dense(128, classes, gain: 0.5, rng: &rng)))
        }
        let model = Sequential(layers)
        _ = try model.outputShape(for: Shape(n: 1, c: inputChannels, h: inputSize, w: inputSize))
        if initialization == .pytorch { redrawPyTorchStyle(model, seed: seed) }
        return model
    }

    /// Redraws conv and dense tensors as PyTorch's defaults (`Initialization.pytorch`), from a stream of its own so
    /// the `he` draws stay those of every earlier version.
    static func redrawPyTorchStyle(_ model: Sequential, seed: UInt64) {
        var rng = SeededGenerator(seed: seed, stream: "pytorch-init")
        for (_, layer) in model.layers {
            if let c = layer as? Conv2D {
                let bound = 1 / Float(c.inChannels / c.groups * c.kernel.0 * c.kernel.1).squareRoot()
                rng.fillUniform(c.weight.value, bound: bound)
                if let b = c.bias { rng.fillUniform(b.value, bound: bound) }
            } else if let d = layer as? Dense {
                let bound = 1 / Float(d.inFeatures).squareRoot()
                rng.fillUniform(d.weight.value, bound: bound)
                rng.fillUniform(d.bias.value, bound: bound)
            }
        }
    }
}

extension SmallCNN {
    /// The `architecture` object for a model file: `{"name": "small-cnn", ...}` with what `make` needs.
    public static func architectureJSON(inputChannels: Int, inputSize: Int, classes: Int, layout: Layout = .vgg,
                                        dropout: Float? = nil) -> String {
        let widths = layout.stages.flatMap { $0 }.map(String.init).joined(separator: ", ")
        return "{\"name\": \"small-cnn\", \"layout\": \"\(layout.rawValue)\", \"inputChannels\": \(inputChannels), "
            + "\"inputSize\": \(inputSize), \"classes\": \(classes), \"widths\": [\(widths)], "
            + "\"dropout\": \(dropout ?? layout.defaultDropout)}"
    }

    /// The layout a model file's architecture object names; files from before layouts existed are `gap`.
    public static func layout(of architecture: [String: Any]) throws -> Layout {
        guard let name = architecture["layout"] as? String else { return .gap }
        guard let l = Layout(rawValue: name) else {
            throw NNError(code: .unsupportedArchitecture, message: "small-cnn layout '\(name)' is not one this camsift "
                + "knows (" + Layout.allCases.map(\.rawValue).joined(separator: ", ") + "); retrain or upgrade camsift")
        }
        return l
    }

    public static func make(modelFile file: ModelFile) throws -> Sequential {
        let a = file.architectureObject()
        guard file.architectureName == "small-cnn", let channels = a["inputChannels"] as? Int,
              let size = a["inputSize"] as? Int, let classes = a["classes"] as? Int else {
            throw NNError(code: .unsupportedArchitecture, message: "model is '\(file.architectureName)', not a "
                + "small-cnn description with inputChannels/inputSize/classes; train it with --arch small")
        }
        let dropout = (a["dropout"] as? Double).map(Float.init)
        let model = try make(inputChannels: channels, inputSize: size, classes: classes, layout: try layout(of: a),
                             dropout: dropout)
        try model.load(modelFile: file)
        return model
    }
}
