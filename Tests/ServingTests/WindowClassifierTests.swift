import CamsiftCore
import Foundation
import NN
import Serving
import Testing

/// The served window model runs its network in two halves (per-frame projection into the camera's ring, then
/// the rest on whole windows): together they must equal the network's own forward pass on stacked features.
@Suite("served window model")
struct WindowClassifierTests {
    static func write(_ config: WindowNetwork.Config, backbone: String?, in dir: String) throws -> (String, Sequential) {
        let model = try WindowNetwork.make(config, seed: 9)
        var meta: [String: String] = [:]
        if let backbone { meta["backbone"] = backbone }
        let file = try ModelFile(windowNetwork: model, config: config,
                                 classes: (0..<config.classes).map { "c\($0)" }, metadata: meta)
        let path = dir + "/window.csm"
        try file.write(path: path)
        return (path, model)
    }

    static func tempDir() -> String {
        let d = NSTemporaryDirectory() + "camsift-window-serving-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test("projection per frame, then the rest per window == the whole network on the stacked features",
          arguments: [WindowNetwork.Kind.resBiLSTM, .plainLSTM])
    func splitEqualsWhole(_ kind: WindowNetwork.Kind) throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = WindowNetwork.Config(kind: kind, features: 24, classes: 3, projection: 8, dense: 12, window: 6)
        let (path, model) = try Self.write(config, backbone: "abc123", in: dir)
        let w = try WindowClassifier(path: path)
        #expect(w.length == 6 && w.featureCount == 24 && w.backbone == "abc123" && w.classes == ["c0", "c1", "c2"])
        #expect(w.width == (kind == .resBiLSTM ? 8 : 24))
        var rng = SeededGenerator(seed: 4)
        let n = 3
        let feats = (0..<(n * 6 * 24)).map { _ in Float(rng.unit() * 2 - 1) }
        // Whole network (inference mode) on [n, 6, 24].
        let logits = try model.forward(Tensor(shape: Shape([n, 6, 24]), values: feats), training: false).array
        // Split: project each frame as the ring does, then classify the windows.
        let projected = feats.withUnsafeBufferPointer { w.project($0, n: n * 6) }
        #expect(projected.count == n * 6 * w.width)
        let p = try projected.withUnsafeBufferPointer { try w.probabilities($0, n: n) }
        for i in 0..<n {
            let row = Array(logits[(i * 3)..<(i * 3 + 3)])
            let m = row.max()!
            let e = row.map { expf($0 - m) }
            let s = e.reduce(0, +)
            for c in 0..<3 { #expect(abs(p[i][c] - e[c] / s) < 1e-5, "window \(i) class \(c): \(p[i][c]) vs \(e[c] / s)") }
            #expect(abs(p[i].reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test("a window model that does not name its backbone is refused with the fix")
    func refusesWithoutBackbone() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, _) = try Self.write(WindowNetwork.Config(features: 8, classes: 2, projection: 4, dense: 4, window: 3),
                                       backbone: nil, in: dir)
        #expect { _ = try WindowClassifier(path: path) } throws: { e in
            "\(e)".contains("backbone") && "\(e)".contains("camsift train --clips")
        }
    }

    @Test("the backbone digest ignores the classifier and changes with any backbone weight")
    func backboneDigest() throws {
        func file(_ w: Float, _ head: Float) throws -> ModelFile {
            try ModelFile(architectureJSON: #"{"name":"x"}"#, classes: ["a"], normalization: .init(mean: [0], std: [1]),
                          inputSize: [1], tensors: [.init(name: "stem.conv.weight", shape: [2], values: [w, 1]),
                                                    .init(name: "classifier.weight", shape: [1], values: [head])])
        }
        #expect(BackboneDigest.of(try file(1, 2)) == BackboneDigest.of(try file(1, 5)))
        #expect(BackboneDigest.of(try file(1, 2)) != BackboneDigest.of(try file(1.0001, 2)))
    }
}
