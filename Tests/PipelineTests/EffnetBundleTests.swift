import CamsiftCore
import Foundation
import Learning
import NN
import Testing
@testable import Pipeline
import Serving
@testable import Retraining

/// The EfficientNet-Lite0 branch of `BundleClassifier`: a bundle trained by the daemon's own retrain path (real
/// imported backbone, real Fashion-MNIST images) is served with what its models share computed once — level 1:
/// the whole backbone, a dense head per model; level 2 (top 2 blocks fine-tuned per model): stem and blocks
/// 0…13 once, each model's blocks 14–15, head conv and classifier after — and its probabilities and fused
/// predictions equal running M0 and M1 as whole networks (≤ 1e-4) and applying the bundle's rule.
@Suite(.serialized) struct EffnetBundleTests {
    @Test(arguments: [0, 2]) func sharedTrunkBundleMatchesWholeNetworks(fineTuneBlocks: Int) throws {
        LearningThreads.set(1)
        let root = NSTemporaryDirectory() + "camsift-effnet-bundle-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try LiveRetrainTests.makeArchive(root + "/archive")
        // 0 = level 1: M0 and M1 differ only in their heads
        var s = RetrainPlan(archive: root + "/archive", models: root + "/models", threads: 1, architecture: .effnetLite0,
                            fineTuneBlocks: fineTuneBlocks)
        s.training.configuration.iterations = 2
        s.training.configuration.batchSize = 16
        // M1 spends the whole 2 passes (not the default ⅔, 1 pass), so its level-2 half fine-tunes its own top blocks.
        s.training.configuration.m1Share = nil
        let verdict = try Retrainer.retrain(s, reason: "test", install: { _, _ in })
        #expect(verdict.hasPrefix("promoted"), "\(verdict)")
        let dir = try #require(BundleStore(root: root + "/models").current)
        let model = try BundleClassifier(directory: dir, threads: 1)
        let bundle = model.bundle
        #expect(model.sharesBackbone == (fineTuneBlocks == 0))
        #expect(model.sharedTrunkBlocks == 16 - fineTuneBlocks)
        #expect(model.inputSize == 224)
        // A window model trained on the ImageNet backbone's features runs on a level-1 bundle (same backbone
        // digest), not on a level-2 one (its top blocks were fine-tuned).
        if let imagenet = ModelLoader.imagenetPath(modelsDir: root + "/models") {
            let reference = try ImageNetClassifier(path: imagenet, threads: 1)
            #expect(!model.backboneDigest.isEmpty && !reference.backboneDigest.isEmpty)
            #expect((model.backboneDigest == reference.backboneDigest) == (fineTuneBlocks == 0),
                    "level \(fineTuneBlocks == 0 ? 1 : 2) bundle: digest \(model.backboneDigest) vs ImageNet \(reference.backboneDigest)")
        }
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
        let served = try model.scores(frames)

        var whole: [String: [[Float]]] = [:]
        for (role, file) in bundle.models {
            let net = try EfficientNetLite0(modelFile: try ModelFile.read(path: dir + "/" + file), threads: 1)
            whole[role] = frames.map { f in
                let x = try! ModelInput.tensor([f], geometry: model.geometry)
                let logits = x.withUnsafeBufferPointer { net.logits(batch: $0, n: 1) }
                return logits.withUnsafeBufferPointer { TopK.softmax($0) }
            }
        }
        for (i, p) in predictions.enumerated() {
            let s0 = whole["M0"]![i], s1 = whole["M1"]![i]
            for (role, s) in [("M0", s0), ("M1", s1)] {
                let worst = zip(served[role]![i], s).map { abs($0 - $1) }.max() ?? .infinity
                #expect(worst <= 1e-4, "\(role) frame \(i): shared-trunk vs whole network differ by \(worst)")
            }
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
