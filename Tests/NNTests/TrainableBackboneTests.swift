import Foundation
import Testing
@testable import NN

/// The imported EfficientNet-Lite0 (CAMSIFT_EFFNET, set by `make test`; else ./weights/). Missing is a failure
/// that says how to make it, not a skip.
enum BackboneFile {
    static var path: String {
        if let p = ProcessInfo.processInfo.environment["CAMSIFT_EFFNET"], !p.isEmpty { return p }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("weights/effnet-lite0-imagenet.csm").path
    }

    static func load() throws -> ModelFile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw NNError(code: .io, message: "EfficientNet-Lite0 model file missing at \(path): run `make weights` "
                + "(or `make test`) or set CAMSIFT_EFFNET")
        }
        return try ModelFile.read(path: path)
    }
}

/// The training-side EfficientNet against the inference engine on the real pretrained file, fine-tuning freezes,
/// and model-file round trips of trainable models.
@Suite(.serialized) struct TrainableBackboneTests {
    @Test func trainableEfficientNetMatchesTheInferenceEngine() throws {
        let file = try BackboneFile.load()
        let trainable = try TrainableEfficientNet.make(modelFile: file)
        #expect(trainable.parameterCount == 4_652_008)
        let engine = try EfficientNetLite0(modelFile: file, threads: 2)
        let x = randomTensor(Shape(n: 2, c: 3, h: 224, w: 224), seed: 77, scale: 1)
        let mine = try trainable.forward(x, training: false).array
        let theirs = engine.logits(batch: UnsafeBufferPointer(x.buffer), n: 2)
        #expect(mine.count == theirs.count)
        let worst = zip(mine, theirs).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-3, "max |Δlogit| = \(worst)")
        func top1(_ v: [Float], _ i: Int) -> Int { (0..<1000).max { v[i * 1000 + $0] < v[i * 1000 + $1] }! }
        #expect(top1(mine, 0) == top1(theirs, 0) && top1(mine, 1) == top1(theirs, 1))
    }

    @Test func levelOneAndLevelTwoFineTuningTouchOnlyTheTop() throws {
        let file = try BackboneFile.load()
        let model = try TrainableEfficientNet.make(modelFile: file, classes: 3)
        let prefixes = TrainableEfficientNet.unitPrefixes(model)
        #expect(prefixes.count == 19 && prefixes.first == "stem." && prefixes[16] == "blocks.15.")
        // Level 1: classifier only.
        TrainableEfficientNet.freezeAllBut(last: 1, of: model)
        #expect(model.parameters().filter { !$0.1.isFrozen }.map { $0.0 } == ["classifier.weight", "classifier.bias"])
        // Level 2: classifier, head and the top two blocks.
        TrainableEfficientNet.freezeAllBut(last: 4, of: model)
        let stemBefore = model.namedParameters().first { $0.0 == "stem.conv.weight" }!.1.array
        let optimizer = SGD(model, learningRate: 1e-4, momentum: 0.9)
        let loss = SoftmaxCrossEntropy()
        let x = randomTensor(Shape(n: 2, c: 3, h: 64, w: 64), seed: 5)
        optimizer.zeroGrad()
        let value = try loss.forward(try model.forward(x, training: true), labels: [0, 2])
        #expect(value.isFinite)
        _ = try model.backward(try loss.backward())
        for (name, p) in model.parameters() {
            let touched = p.grad.array.contains { $0 != 0 }
            let trainable = ["blocks.14.", "blocks.15.", "head.", "classifier."].contains { name.hasPrefix($0) }
            #expect(touched == trainable, "\(name)")
        }
        optimizer.step()
        #expect(model.namedParameters().first { $0.0 == "stem.conv.weight" }!.1.array == stemBefore)
    }

    @Test func splitTrunkAndTopComposeToTheWholeModel() throws {
        let file = try BackboneFile.load()
        let model = try TrainableEfficientNet.make(modelFile: file)
        let (trunk, top) = try TrainableEfficientNet.split(model, topBlocks: 2)
        #expect(top.namedParameters().first?.0 == "blocks.14.expand.conv.weight")
        #expect(trunk.parameterCount + top.parameterCount == model.parameterCount)
        let x = randomTensor(Shape(n: 1, c: 3, h: 96, w: 96), seed: 8)
        let whole = try model.forward(x, training: false).array
        let features = try trunk.forward(x, training: false).copy()
        let composed = try top.forward(features, training: false).array
        #expect(whole == composed)
    }

    @Test func smallCNNRoundTripsThroughAModelFile() throws {
        let model = try SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 5, seed: 3)
        _ = try model.forward(randomTensor([8, 1, 28, 28], seed: 1), training: true)   // non-trivial BN stats
        let file = try ModelFile(model: model,
                                 architectureJSON: SmallCNN.architectureJSON(inputChannels: 1, inputSize: 28, classes: 5),
                                 classes: ["a", "b", "c", "d", "e"], normalization: .init(mean: [127.5], std: [127.5]),
                                 inputSize: [28, 28])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nn-smallcnn-\(getpid()).csm").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(path: path)
        let restored = try SmallCNN.make(modelFile: try ModelFile.read(path: path))
        let probe = randomTensor([3, 1, 28, 28], seed: 2)
        #expect(try restored.predictProbabilities(probe) == (try model.predictProbabilities(probe)))
        // A file for another architecture is refused with the reason.
        let other = try SmallCNN.make(inputChannels: 3, inputSize: 28, classes: 5)
        #expect(throws: NNError.self) { try other.load(modelFile: try ModelFile.read(path: path)) }
    }

    /// `pytorch` initialisation: U(±1/√fan_in) for conv and dense weights and dense biases (nn.Conv2d/nn.Linear
    /// defaults), against `he`'s U(±√(6/fan_in)) weights and zero biases.
    @Test func pytorchInitialisationBounds() throws {
        let he = try SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 10, seed: 4)
        let pt = try SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 10, seed: 4, initialization: .pytorch)
        for (name, fanIn) in [("conv1b", 32 * 9), ("conv2a", 32 * 9), ("fc1", 64 * 7 * 7), ("fc", 128)] {
            func weights(_ m: Sequential) -> [Float] {
                if let c = m[name] as? Conv2D { return c.weight.value.array }
                return (m[name] as! Dense).weight.value.array
            }
            let bound = 1 / Float(fanIn).squareRoot()
            let w = weights(pt), maxAbs = w.map(abs).max()!
            #expect(maxAbs <= bound && maxAbs > 0.95 * bound, "\(name): max |w| \(maxAbs), bound \(bound)")
            let heMax = weights(he).map(abs).max()!
            #expect(heMax > 1.1 * bound, "\(name): he draws wider than the PyTorch bound")
        }
        let bias = (pt["fc1"] as! Dense).bias.value.array
        #expect(bias.contains { $0 != 0 } && bias.allSatisfy { abs($0) <= 1 / Float(3136).squareRoot() })
        #expect((he["fc1"] as! Dense).bias.value.array.allSatisfy { $0 == 0 })
    }

    /// The reference protocol's network (issue 16): 468,010 parameters at 28 px and 10 classes, and the layout is
    /// what a model file says — a file written before layouts existed (no "layout") is the earlier `gap` network.
    @Test func layoutsHaveTheirShapesAndOldFilesAreGap() throws {
        let vgg = try SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 10)
        #expect(vgg.parameters().reduce(0) { $0 + $1.1.value.count } == 468_010)
        #expect(vgg.namedParameters().map(\.0).contains("fc1.weight"))
        let gap = try SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 10, layout: .gap)
        let gapCount: Int = gap.parameters().reduce(0) { $0 + $1.1.value.count }
        #expect(gapCount == 94_186)   // 288 + 64 + 18,432 + 128 + 73,728 + 256 + 1,290
        _ = try gap.forward(randomTensor([4, 1, 28, 28], seed: 5), training: true)
        let oldJSON = "{\"name\": \"small-cnn\", \"inputChannels\": 1, \"inputSize\": 28, \"classes\": 10, \"widths\": [32, 64, 128]}"
        let file = try ModelFile(model: gap, architectureJSON: oldJSON, classes: (0..<10).map(String.init),
                                 normalization: .init(mean: [0], std: [1]), inputSize: [28, 28])
        let restored = try SmallCNN.make(modelFile: file)
        let probe = randomTensor([2, 1, 28, 28], seed: 6)
        #expect(try restored.predictProbabilities(probe) == (try gap.predictProbabilities(probe)))
        let unknown = oldJSON.replacingOccurrences(of: "\"classes\"", with: "\"layout\": \"resnet\", \"classes\"")
        let bad = try ModelFile(model: gap, architectureJSON: unknown, classes: (0..<10).map(String.init),
                                normalization: .init(mean: [0], std: [1]), inputSize: [28, 28])
        let e = #expect(throws: NNError.self) { try SmallCNN.make(modelFile: bad) }
        #expect(e?.message.contains("resnet") == true)
    }
}
