import CamsiftCore
import Foundation
import Learning
import NN
import Testing
@testable import Pipeline

/// The EfficientNet-Lite0 branch of `BundleClassifier`: a bundle trained by the daemon's own retrain path
/// (level-1 transfer on the real imported backbone, real Fashion-MNIST images) is served with one shared
/// backbone and a dense head per served model, and its fused predictions equal running M0 and M1 as whole
/// networks and applying the bundle's rule.
@Suite(.serialized) struct EffnetBundleTests {
    @Test func sharedBackboneBundleMatchesWholeNetworks() throws {
        LearningThreads.set(1)
        let root = NSTemporaryDirectory() + "camsift-effnet-bundle-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try LiveRetrainTests.makeArchive(root + "/archive")
        var s = Retrainer.Settings(archive: root + "/archive", models: root + "/models", threads: 1)
        s.architecture = .effnetLite0
        s.fineTuneBlocks = 0  // level 1: M0 and M1 differ only in their heads
        s.configuration.iterations = 2
        s.configuration.batchSize = 16
        let verdict = try Retrainer.retrain(s, reason: "test", install: { _, _ in })
        #expect(verdict.hasPrefix("promoted"), "\(verdict)")
        let dir = try #require(BundleStore(root: root + "/models").current)
        let model = try BundleClassifier(directory: dir, threads: 1)
        let bundle = model.bundle
        #expect(model.sharesBackbone)
        #expect(model.inputSize == 224)
        let fusion = try #require(bundle.fusion)
        // The default rule pools M1 with M0 (w = λ = ¼): both run per frame.
        #expect(fusion.rule == .adjusted && fusion.m0Weight == 0.25 && model.servedRoles == ["M0", "M1"])

        // Varied frames: smooth gradients plus seeded noise, so the heads see different features.
        var seed: UInt64 = 42
        let frames = (0..<5).map { k -> DecodedFrame in
            var px = [UInt8](repeating: 0, count: 224 * 224 * 3)
            for i in 0..<px.count {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                px[i] = UInt8(truncatingIfNeeded: (i / 3 % 224) * (k + 1) + Int(seed >> 60))
            }
            return DecodedFrame(width: 224, height: 224, rgb: px)
        }
        let predictions = try model.classify(frames)

        var whole: [String: [[Float]]] = [:]
        for (role, file) in bundle.models {
            let net = try EfficientNetLite0(modelFile: try ModelFile.read(path: dir + "/" + file), threads: 1)
            whole[role] = frames.map { f in
                var x = [Float](repeating: 0, count: net.imageElementCount)
                x.withUnsafeMutableBufferPointer { net.preprocess(f, into: $0) }
                let logits = x.withUnsafeBufferPointer { net.logits(batch: $0, n: 1) }
                return logits.withUnsafeBufferPointer { TopK.softmax($0) }
            }
        }
        for (i, p) in predictions.enumerated() {
            let s0 = whole["M0"]![i], s1 = whole["M1"]![i]
            let (label, branch) = fusion.fuse(s0, s1)
            #expect(p.via == "fused")
            #expect(p.label == bundle.classes[label])
            // The reported score is the followed model's probability (Eq. 3's branches) or the rule's own.
            let probs: [Float] = switch branch {
            case .bothCommon: s0
            case .bothRare: s1
            case .higherScore: (s1.max() ?? 0) > (s0.max() ?? 0) ? s1 : s0
            case .mean: zip(s0, s1).map { ($0 + $1) / 2 }
            case .adjusted: fusion.adjustedProbabilities(s0, s1)
            }
            #expect(abs(p.score - Double(probs[label])) < 1e-4, "score \(p.score) vs \(probs[label]) (\(branch))")
        }
    }
}
