import CamsiftCore
import Foundation
import NN
import Testing
@testable import Serving

/// The daemon logs temperature-scaled scores (Guo et al. 2017 §4.2) from a bundle that records a temperature:
/// labels unchanged, scores equal to the hand-scaled softmax; a bundle written before the field existed loads
/// and scores exactly as before.
@Suite struct BundleClassifierCalibrationTests {
    static let classes = ["a", "b", "c", "d"]

    /// A real small-cnn model file (8×8 grey, 4 classes) with its classifier weights scaled up so the
    /// probabilities are far from uniform — otherwise temperature has little to act on.
    static func writeModel(_ path: String, seed: UInt64) throws {
        let net = try SmallCNN.make(inputChannels: 1, inputSize: 8, classes: classes.count, seed: seed)
        let tensors = net.namedParameters().map { name, t in
            ModelFile.NamedTensor(name: name, shape: t.shape.dims, values: name == "fc.weight" ? t.array.map { $0 * 40 } : t.array)
        }
        let f = try ModelFile(architectureJSON: SmallCNN.architectureJSON(inputChannels: 1, inputSize: 8, classes: classes.count),
                              classes: classes, normalization: .init(mean: [0], std: [1]), inputSize: [8, 8],
                              metadata: [:], tensors: tensors)
        try f.write(path: path)
    }

    static func bundle(_ models: [String: String], primary: String, fusion: Fusion? = nil, temperature: Double?) -> ServedBundle {
        ServedBundle(classes: classes, models: models, primary: primary, fusion: fusion, architecture: "small-cnn",
                     inputShape: [1, 8, 8], normalization: Normalization(mean: [100], std: [60]),
                     inputGeometry: InputGeometry(size: 8, channels: 1, mean: [100], std: [60]), temperature: temperature)
    }

    static func write(_ b: ServedBundle, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try JSONEncoder().encode(b).write(to: URL(fileURLWithPath: dir + "/bundle.json"))
    }

    static func frames(_ n: Int) -> [DecodedFrame] {
        var g = SeededGenerator(seed: 5)
        return (0..<n).map { _ in DecodedFrame(width: 8, height: 8, rgb: (0..<(8 * 8 * 3)).map { _ in UInt8(g.below(256)) }) }
    }

    /// q_c = p_c^(1/T) / Σ_j p_j^(1/T) — softmax(log p / T) written the other way round, by hand.
    static func handScaled(_ p: [Float], _ t: Double) -> [Double] {
        let powered = p.map { Foundation.pow(Double($0), 1 / t) }
        let s = powered.reduce(0, +)
        return powered.map { $0 / s }
    }

    static func tmp(_ name: String) -> String { FileManager.default.temporaryDirectory.path + "/camsift-\(name)-\(getpid())" }

    @Test(arguments: [0.4, 2.5])
    func temperatureScalesScoresButNotLabels(t: Double) throws {
        let dir = Self.tmp("cal-single-\(t)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write(Self.bundle(["M0": "M0.csm"], primary: "M0", temperature: nil), to: dir + "/plain")
        try Self.write(Self.bundle(["M0": "M0.csm"], primary: "M0", temperature: t), to: dir + "/scaled")
        try Self.writeModel(dir + "/plain/M0.csm", seed: 3)
        try Self.writeModel(dir + "/scaled/M0.csm", seed: 3)
        let plain = try BundleClassifier(directory: dir + "/plain", threads: 1, top: 4)
        let scaled = try BundleClassifier(directory: dir + "/scaled", threads: 1, top: 4)
        let frames = Self.frames(12)
        let raw = try #require(try plain.scores(frames)["M0"])
        let a = try plain.classify(frames), b = try scaled.classify(frames)
        var moved = 0.0
        for i in frames.indices {
            #expect(a[i].label == b[i].label)
            #expect(a[i].top.map(\.label) == b[i].top.map(\.label))
            let want = Self.handScaled(raw[i], t)
            let label = try #require(Self.classes.firstIndex(of: b[i].label))
            #expect(abs(b[i].score - want[label]) < 1e-5, "frame \(i): \(b[i].score) vs \(want[label])")
            for e in b[i].top {
                #expect(abs(e.score - want[Self.classes.firstIndex(of: e.label)!]) <= 0.00005 + 1e-6)
            }
            // Without a temperature the score is the network's probability, bit for bit.
            #expect(a[i].score == Double(raw[i][label]))
            moved = max(moved, abs(b[i].score - a[i].score))
        }
        #expect(moved > 0.01, "T = \(t) should move the scores (largest change \(moved))")
    }

    @Test func fusedBundlesScaleThePooledProbabilities() throws {
        let dir = Self.tmp("cal-fused")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pool = Fusion(ratios: [1.5, 0.5, 0.2, 0.1], threshold: 0, rule: .adjusted, priorWeight: 0.25, m0Weight: 0.25)
        let b = Self.bundle(["M0": "M0.csm", "M1": "M1.csm"], primary: "fused", fusion: pool, temperature: 1.8)
        try Self.write(b, to: dir)
        try Self.writeModel(dir + "/M0.csm", seed: 3)
        try Self.writeModel(dir + "/M1.csm", seed: 4)
        let c = try BundleClassifier(directory: dir, threads: 1)
        let frames = Self.frames(8)
        let s = try c.scores(frames)
        let out = try c.classify(frames)
        for i in frames.indices {
            let (s0, s1) = (s["M0"]![i], s["M1"]![i])
            let pooled = pool.adjustedProbabilities(s0, s1)
            #expect(out[i].via == "fused")
            #expect(out[i].label == Self.classes[pool.fuse(s0, s1).label])
            let want = Self.handScaled(pooled, 1.8)[pool.fuse(s0, s1).label]
            #expect(abs(out[i].score - want) < 1e-5)
        }
    }

    @Test func aBundleWithoutTheFieldLoadsWithTemperatureOne() throws {
        let dir = Self.tmp("cal-old")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // bundle.json as written before issue 16 (and before issue 15's inputGeometry).
        let old = #"{"format":"camsift-bundle","version":1,"classes":["a","b","c","d"],"models":{"M0":"M0.csm"},"#
            + #""primary":"M0","architecture":"small-cnn","inputShape":[1,8,8],"normalization":{"mean":[100],"std":[60]}}"#
        try Data(old.utf8).write(to: URL(fileURLWithPath: dir + "/bundle.json"))
        try Self.writeModel(dir + "/M0.csm", seed: 3)
        let b = try ServedBundle.read(dir)
        #expect(b.temperature == nil)
        #expect(b.calibrated([0.7, 0.2, 0.1]) == [0.7, 0.2, 0.1])
        let c = try BundleClassifier(directory: dir, threads: 1)
        let frames = Self.frames(6)
        let raw = try #require(try c.scores(frames)["M0"])
        for (i, p) in try c.classify(frames).enumerated() {
            let j = Fusion.argmax(raw[i])
            #expect(p.label == Self.classes[j] && p.score == Double(raw[i][j]))
        }
    }

    @Test func aTemperatureThatIsNotPositiveIsRefused() throws {
        let dir = Self.tmp("cal-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for t in [0.0, -1.5] {
            try Self.write(Self.bundle(["M0": "M0.csm"], primary: "M0", temperature: t), to: dir)
            try Self.writeModel(dir + "/M0.csm", seed: 3)
            #expect { try ServedBundle.read(dir) } throws: { e in
                (e as? ServingError)?.code == .badBundle && "\(e)".contains("temperature")
            }
        }
    }

    /// A bundle that names a companion member it does not ship, or whose rule weighs one it does not name, is
    /// refused with the field and the fix.
    @Test func aCompanionThatIsMissingIsRefused() throws {
        let dir = Self.tmp("companion-missing")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var b = Self.bundle(["M0": "M0.csm"], primary: "M0", temperature: nil)
        b.companion = CompanionSpec(model: "E-00000000.csm", geometry: InputGeometry(size: 224, channels: 3))
        try Self.write(b, to: dir)
        try Self.writeModel(dir + "/M0.csm", seed: 3)
        #expect { try ServedBundle.read(dir) } throws: { e in
            (e as? ServingError)?.code == .badBundle && "\(e)".contains("companion model 'E-00000000.csm'")
        }
        b.companion = nil
        b.primary = "fused"
        b.models["M1"] = "M0.csm"
        b.fusion = Fusion(ratios: [1, 1, 1, 1], threshold: 0, rule: .adjusted, priorWeight: 0.1, m0Weight: 0.25, companionWeight: 0.4)
        try Self.write(b, to: dir)
        #expect { try ServedBundle.read(dir) } throws: { e in
            (e as? ServingError)?.code == .badBundle && "\(e)".contains("no \"companion\" entry")
        }
    }
}
