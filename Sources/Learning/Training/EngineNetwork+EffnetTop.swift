import NN

/// Level 2 of the method's transfer learning (issue 5, "Transfer learning, two levels"): after the new head has
/// trained on the frozen backbone (level 1), the top blocks are unfrozen and fine-tuned, the step's rate times
/// `learningRateScale`. The method fine-tunes at a rate far below the head's; measured here (bench/RESULTS.md,
/// "Transfer learning, level 2") ×0.1 left the blocks where they were, so the default is ×3 of the cosine-decayed
/// rate at the switch — documented as a deviation. One network does both levels:
/// its input is the cached trunk output (`FeatureCache(topBlocks:)`), so neither level pays for the frozen
/// trunk more than once per image and draw.
///
/// BatchNorm in the unfrozen blocks stays frozen (γ, β and the ImageNet running statistics): with batches of
/// 64 split across replicas, batch statistics would be noisy, and a frozen BN keeps the saved file's folded
/// inference network exactly what was trained (Keras' fine-tuning convention, `BatchNorm2d` docs).
extension EngineNetwork {
    /// When level 2 starts and how it trains.
    struct FineTuning {
        /// Iterations before level 2, as a fraction of the model's iterations (level 1 = classifier only).
        var levelOneFraction: Double
        /// Learning-rate multiplier during level 2 (the whole step: classifier and unfrozen blocks).
        var learningRateScale: Float
        /// Parameter-name prefixes level 2 unfreezes ("blocks.15.", "head.", "classifier.").
        var prefixes: [String]
    }

    /// The top `topBlocks` blocks, head conv and classifier of EfficientNet-Lite0 from `modelFile` (a backbone
    /// or a saved level-2 model: its trained tensors are loaded; a classifier for other classes starts fresh).
    static func effnetTop(modelFile path: String, topBlocks: Int, classCount: Int, seed: UInt64,
                          levelOneFraction: Double, learningRateScale: Float) throws -> EngineNetwork {
        let file = try ModelFile.read(path: path)
        let architecture = try file.architecture(as: EfficientNetArchitecture.self)
        let full = try TrainableEfficientNet.make(modelFile: file, classes: classCount, seed: seed)
        let top = try TrainableEfficientNet.split(full, topBlocks: topBlocks).top
        let shape = trunkOutputShape(architecture, topBlocks: topBlocks, inputSide: file.inputSize.first ?? 224)
        let net = EngineNetwork(model: top, architecture: "effnet-lite0-top", inputShape: shape, classCount: classCount,
                                backbonePath: path) { _ in
            // Same layers and names; values are copied from the model before every step.
            try TrainableEfficientNet.split(try TrainableEfficientNet.make(architecture, classes: classCount, seed: seed),
                                            topBlocks: topBlocks).top
        }
        let units = TrainableEfficientNet.unitPrefixes(full)
        net.fineTuning = FineTuning(levelOneFraction: levelOneFraction, learningRateScale: learningRateScale,
                                    prefixes: Array(units.suffix(topBlocks + 2)))
        net.beginIteration(0, of: 1)
        return net
    }

    /// Channels × side × side entering block `16 − topBlocks` ("same" padding: side = ⌈side / stride⌉).
    static func trunkOutputShape(_ a: EfficientNetArchitecture, topBlocks: Int, inputSide: Int) -> (Int, Int, Int) {
        let cut = a.blocks.count - topBlocks
        var side = (inputSide + a.stem.stride - 1) / a.stem.stride
        for b in a.blocks[..<cut] { side = (side + b.stride - 1) / b.stride }
        return (cut < a.blocks.count ? a.blocks[cut].in : (a.blocks.last?.out ?? a.stem.out), side, side)
    }

    /// Level 1 (classifier only) for the first `levelOneFraction` of the iterations, then level 2.
    func applyFineTuning(iteration i: Int, of total: Int) {
        guard let f = fineTuning else { return }
        let levelTwo = Double(i) >= f.levelOneFraction * Double(total)
        model.setFrozen(true)
        model.setFrozen(false, prefixes: levelTwo ? f.prefixes : ["classifier."])
        for (name, p) in model.parameters() where name.contains(".bn.") { p.isFrozen = true }
        learningRateScale = levelTwo ? f.learningRateScale : 1
    }

    /// Whether the network is in level 2 now (for logs and tests).
    var inLevelTwo: Bool { model.parameters().contains { $0.0.hasPrefix("head.conv") && !$0.1.isFrozen } }

    /// 1 in level 2, else 0 (`TrainableNetwork.stage`: the trainer falls back to level 1 when level 2 ends worse).
    public var stage: Int { fineTuning != nil && inLevelTwo ? 1 : 0 }
}
