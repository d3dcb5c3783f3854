import CamsiftCore
/// EfficientNet-Lite built from the training layers, so the pretrained backbone can be fine-tuned (the method's
/// transfer learning, level 2: unfreeze the top blocks). The inference path (`EfficientNetLite0`) folds BN and
/// runs its own kernels; this one keeps BN separate and has a backward pass.
///
/// Layout and tensor names match the model file written by tools/import_effnet.py:
/// `stem.{conv,bn}`, `blocks.I.{expand,dw,project}.{conv,bn}`, `head.{conv,bn}`, `classifier` — so
/// `load(modelFile:)` fills it directly. MBConv block (Sandler et al. 2018, Fig. 3 / Tan & Le 2019):
/// 1×1 expand-BN-ReLU6 (absent when expand == in), k×k depthwise-BN-ReLU6, 1×1 project-BN, identity skip when
/// stride 1 and in == out. TF "same" padding, BN ε from the description.
public enum TrainableEfficientNet {
    /// Builds the network for `architecture`, with a fresh classifier of `classes` outputs
    /// (default: the description's). Weights are random until loaded.
    public static func make(_ architecture: EfficientNetArchitecture, classes: Int? = nil, dropout: Float = 0.2,
                            bnMomentum: Float = 0.1, seed: UInt64 = 1) throws -> Sequential {
        let a = architecture
        guard a.activation == "relu6", a.padding == "tf-same" else {
            throw NNError(code: .unsupportedArchitecture, message: "TrainableEfficientNet builds relu6/tf-same "
                + "EfficientNet-Lite, not \(a.activation)/\(a.padding)")
        }
        var rng = SeededGenerator(seed: seed)
        let eps = a.bnEpsilon
        func convBN(_ cin: Int, _ cout: Int, kernel: Int, stride: Int, act: Bool) -> Sequential {
            var layers: [(String, any Layer)] = [
                ("conv", Conv2D(inChannels: cin, outChannels: cout, kernel: (kernel, kernel), stride: (stride, stride),
                                padding: .same, bias: false, rng: &rng)),
                ("bn", BatchNorm2d(channels: cout, eps: eps, momentum: bnMomentum)),
            ]
            if act { layers.append(("act", ReLU6())) }
            return Sequential(layers)
        }
        let stem = convBN(3, a.stem.out, kernel: a.stem.kernel, stride: a.stem.stride, act: true)
        var blocks: [(String, any Layer)] = []
        var channels = a.stem.out
        for (i, b) in a.blocks.enumerated() {
            guard b.in == channels else {
                throw NNError(code: .shapeMismatch, message: "block \(i) expects \(b.in) channels but receives "
                    + "\(channels); the architecture description is inconsistent")
            }
            var body: [(String, any Layer)] = []
            if b.expand != b.in { body.append(("expand", convBN(b.in, b.expand, kernel: 1, stride: 1, act: true))) }
            body.append(("dw", Sequential([
                ("conv", DepthwiseConv2D(channels: b.expand, kernel: (b.kernel, b.kernel), stride: (b.stride, b.stride),
                                         padding: .same, bias: false, rng: &rng)),
                ("bn", BatchNorm2d(channels: b.expand, eps: eps, momentum: bnMomentum)),
                ("act", ReLU6()),
            ])))
            body.append(("project", convBN(b.expand, b.out, kernel: 1, stride: 1, act: false)))
            let block = Sequential(body)
            let skip = b.residual && b.stride == 1 && b.in == b.out
            blocks.append(("\(i)", skip ? Residual(block) as any Layer : block))
            channels = b.out
        }
        let head = convBN(channels, a.head.out, kernel: 1, stride: 1, act: true)
        let outputs = classes ?? a.classifier.out
        return Sequential([
            ("stem", stem), ("blocks", Sequential(blocks)), ("head", head), ("pool", GlobalAvgPool()),
            ("dropout", Dropout(dropout, seed: seed &+ 29)),
            ("classifier", Dense(a.head.out, outputs, gain: 0.5, rng: &rng)),
        ])
    }

    /// Builds the network from an `effnet-lite0` model file and loads its weights. With `classes` different from
    /// the file's, the classifier stays freshly initialised (a new head for transfer learning).
    public static func make(modelFile: ModelFile, classes: Int? = nil, dropout: Float = 0.2,
                            seed: UInt64 = 1) throws -> Sequential {
        let architecture = try modelFile.architecture(as: EfficientNetArchitecture.self)
        let outputs = classes ?? modelFile.classes.count
        let model = try make(architecture, classes: outputs, dropout: dropout, seed: seed)
        let keepHead = outputs == architecture.classifier.out
        try model.load(modelFile: modelFile, skipping: keepHead ? [] : ["classifier."])
        return model
    }

    /// Name prefixes of the trainable units, input to output: "stem.", "blocks.0." … "blocks.15.", "head.",
    /// "classifier.". Fine-tuning the top k blocks = unfreeze the last k + 2 prefixes.
    public static func unitPrefixes(_ model: Sequential) -> [String] {
        var prefixes = ["stem."]
        if let blocks = model["blocks"] as? Sequential {
            prefixes += blocks.layers.map { "blocks.\($0.0)." }
        }
        return prefixes + ["head.", "classifier."]
    }

    /// Freezes everything except the last `trainableUnits` units of `unitPrefixes` (1 = the classifier only:
    /// level 1 of the method; 1 + 1 + k = head and the top k blocks: level 2).
    public static func freezeAllBut(last trainableUnits: Int, of model: Sequential) {
        let prefixes = unitPrefixes(model)
        let cut = Swift.max(0, prefixes.count - trainableUnits)
        model.setFrozen(true, prefixes: Array(prefixes[..<cut]))
        model.setFrozen(false, prefixes: Array(prefixes[cut...]))
    }

    /// Splits `model` into a trunk (stem + all but the top `topBlocks` blocks) and the rest (top blocks, head,
    /// pool, dropout, classifier), sharing the same layer objects, with the model's parameter names kept
    /// ("blocks.15.dw.conv.weight" is still that name inside `top`). Level-2 fine-tuning can then cache
    /// `trunk.forward(x, training: false)` per image (+ augmentation draw) and train only `top`.
    public static func split(_ model: Sequential, topBlocks: Int) throws -> (trunk: Sequential, top: Sequential) {
        guard let blocks = model["blocks"] as? Sequential, let stem = model["stem"],
              (0...blocks.layers.count).contains(topBlocks) else {
            throw NNError(code: .invalidArgument,
                          message: "split needs a TrainableEfficientNet model and 0...16 top blocks (got \(topBlocks))")
        }
        let cut = blocks.layers.count - topBlocks
        let trunk = Sequential([("stem", stem), ("blocks", Sequential(Array(blocks.layers[..<cut])))])
        var rest: [(String, any Layer)] = [("blocks", Sequential(Array(blocks.layers[cut...])))]
        rest += model.layers.filter { !["stem", "blocks"].contains($0.0) }
        return (trunk, Sequential(rest))
    }
}
