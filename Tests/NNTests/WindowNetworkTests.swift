import CamsiftCore
import Foundation
import Testing
@testable import NN

/// The window classifier builder: layer order and PyTorch-style names of both kinds, the residual wiring end to
/// end (finite differences through the whole network), config validation and defaults, and the model-file round
/// trip (config in the architecture object, same outputs after reading back).
@Suite struct WindowNetworkTests {
    static let small = WindowNetwork.Config(features: 10, classes: 3, projection: 8, dense: 12, dropout: 0,
                                            denseDropout: 0, window: 6)

    @Test func resBiLSTMLayersAndNames() throws {
        let model = try WindowNetwork.make(Self.small)
        #expect(model.layers.map(\.0) == ["proj", "lstm0", "dropout0", "lstm1", "dropout1", "last", "bn", "fc1",
                                          "relu", "dropout", "fc"])
        let names = model.namedParameters().map(\.0)
        #expect(names.prefix(2) == ["proj.weight", "proj.bias"])
        #expect(names.contains("lstm1.weight_hh_l0_reverse") && names.contains("bn.running_var"))
        #expect(names.suffix(2) == ["fc.weight", "fc.bias"])
        #expect(try model.outputShape(for: [5, 6, 10]) == Shape([5, 3]))
        // Any window length runs; the residual blocks keep the width at P.
        #expect(try model.outputShape(for: [1, 40, 10]) == Shape([1, 3]))
        let bi = try #require(model["lstm0"] as? BiLSTM)
        #expect(bi.residual && bi.inputSize == 8 && bi.hiddenSize == 4)
        #expect(try WindowNetwork.make(Self.small, seed: 1).namedParameters().map(\.1.array)
                == model.namedParameters().map(\.1.array))
    }

    @Test func defaultsAreTheDocumentedCPUScaledNetwork() throws {
        let c = WindowNetwork.Config(features: 1280, classes: 2)
        #expect(c.kind == .resBiLSTM && c.projection == 128 && c.dense == 256 && c.layers == 2 && c.window == 40)
        #expect(c.dropout == 0.2 && c.denseDropout == 0.5)
        let model = try WindowNetwork.make(c)
        // proj 1280·128+128, two BiLSTM(128, 64): 2·2·(4·64·(128+64) + 2·4·64), bn 2·128, fc1 128·256+256, fc 256·2+2.
        let expected = (1280 * 128 + 128) + 2 * 2 * (4 * 64 * 192 + 2 * 256) + 256 + (128 * 256 + 256) + 514
        #expect(model.parameterCount == expected)
        #expect(WindowNetwork.Config(kind: .plainLSTM, features: 12, classes: 9).layers == 1)
    }

    @Test func plainLSTMLayersAndNames() throws {
        let c = WindowNetwork.Config(kind: .plainLSTM, features: 10, classes: 3, projection: 7)
        let model = try WindowNetwork.make(c)
        #expect(model.layers.map(\.0) == ["lstm0", "dropout0", "last", "fc"])
        #expect(model.namedParameters().map(\.0) == ["lstm0.weight_ih_l0", "lstm0.weight_hh_l0", "lstm0.bias_ih_l0",
                                                      "lstm0.bias_hh_l0", "fc.weight", "fc.bias"])
        #expect(try model.outputShape(for: [2, 40, 10]) == Shape([2, 3]))
        let lstm = try #require(model["lstm0"] as? LSTM)
        #expect(!lstm.reverse && lstm.inputSize == 10 && lstm.hiddenSize == 7)
        var two = c
        two.layers = 2
        #expect(try WindowNetwork.make(two).layers.map(\.0) == ["lstm0", "dropout0", "lstm1", "dropout1", "last", "fc"])
    }

    /// Finite differences through proj → 2 residual BiLSTMs → last step → BN → fc1 → ReLU → fc (dropout 0).
    @Test(arguments: [WindowNetwork.Kind.resBiLSTM, .plainLSTM])
    func wholeNetworkGradients(_ kind: WindowNetwork.Kind) throws {
        var c = WindowNetwork.Config(kind: kind, features: 5, classes: 3, projection: 6, dense: 7, dropout: 0,
                                     denseDropout: 0, window: 4)
        c.layers = 2
        let model = try WindowNetwork.make(c, seed: 3)
        model.needsInputGradient = true
        let x = randomTensor([4, 4, 5], seed: 60)
        let mismatches = try GradientCheck(eps: 5e-3, samples: 24).run(model, input: x)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(6))")
    }

    @Test func invalidConfigsSayWhatToChange() throws {
        var odd = Self.small
        odd.projection = 7
        let e = #expect(throws: NNError.self) { _ = try WindowNetwork.make(odd) }
        #expect(e?.code == .invalidArgument && e?.message.contains("even") == true, "\(e?.message ?? "")")
        // Without a projection the BiLSTM width is F itself.
        var noProj = Self.small
        noProj.projection = 0
        #expect(try WindowNetwork.make(noProj).layers.first?.0 == "lstm0")
        noProj.features = 9
        #expect(throws: NNError.self) { _ = try WindowNetwork.make(noProj) }
        var oneClass = Self.small
        oneClass.classes = 1
        #expect(throws: NNError.self) { _ = try WindowNetwork.make(oneClass) }
        var badDropout = Self.small
        badDropout.denseDropout = 1
        #expect(throws: NNError.self) { _ = try WindowNetwork.make(badDropout) }
    }

    @Test func configDecodesWithDefaults() throws {
        let json = #"{"name": "window-network", "features": 1280, "classes": 4}"#
        let c = try JSONDecoder().decode(WindowNetwork.Config.self, from: Data(json.utf8))
        #expect(c == WindowNetwork.Config(features: 1280, classes: 4))
        let plain = #"{"kind": "lstm", "features": 12, "classes": 9, "projection": 64}"#
        let p = try JSONDecoder().decode(WindowNetwork.Config.self, from: Data(plain.utf8))
        #expect(p.kind == .plainLSTM && p.layers == 1 && p.projection == 64)
    }

    @Test(arguments: [WindowNetwork.Kind.resBiLSTM, .plainLSTM])
    func modelFileRoundTrip(_ kind: WindowNetwork.Kind) throws {
        var c = Self.small
        c.kind = kind
        c.layers = kind == .resBiLSTM ? 2 : 1
        c.dropout = 0.3
        let model = try WindowNetwork.make(c, seed: 9)
        // One training step moves the BN running statistics, so the file must carry them.
        _ = try model.forward(randomTensor([4, 6, 10], seed: 61), training: true)
        let x = randomTensor([3, 6, 10], seed: 62)
        let before = try model.forward(x, training: false).array
        let file = try ModelFile(windowNetwork: model, config: c, classes: ["a", "b", "c"],
                                 metadata: ["trainedOn": "test"])
        #expect(file.architectureName == "window-network")
        #expect(file.inputSize == [6, 10])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nn-window-\(getpid())-\(kind).csm")
        defer { try? FileManager.default.removeItem(at: path) }
        try file.write(path: path.path)
        let read = try ModelFile.read(path: path.path)
        #expect(try WindowNetwork.config(of: read) == c)
        let rebuilt = try WindowNetwork.make(modelFile: read)
        #expect(try rebuilt.forward(x, training: false).array == before)
        #expect(read.metadata["trainedOn"] == "test" && read.classes == ["a", "b", "c"])
    }

    @Test func modelFileErrors() throws {
        let model = try WindowNetwork.make(Self.small)
        #expect(throws: NNError.self) {
            _ = try ModelFile(windowNetwork: model, config: Self.small, classes: ["a", "b"])
        }
        let other = try ModelFile(model: model, architectureJSON: #"{"name": "small-cnn"}"#, classes: ["a", "b", "c"],
                                  normalization: .init(mean: [0], std: [1]), inputSize: [6, 10])
        let e = #expect(throws: NNError.self) { _ = try WindowNetwork.make(modelFile: other) }
        #expect(e?.code == .unsupportedArchitecture)
        // A file whose tensors belong to another config is refused by name/shape, not half-loaded.
        var wider = Self.small
        wider.projection = 10
        let mismatched = try ModelFile(model: model, architectureJSON: try WindowNetwork.architectureJSON(wider),
                                       classes: ["a", "b", "c"], normalization: .init(mean: [0], std: [1]),
                                       inputSize: [6, 10])
        #expect(throws: NNError.self) { _ = try WindowNetwork.make(modelFile: mismatched) }
    }
}
