import CamsiftCore
import Foundation
import Learning
import Synchronization
import Testing
@testable import Pipeline
import Serving
@testable import Retraining

/// Live retraining end to end on real data (Debian's Fashion-MNIST): train in-process, score candidate and
/// serving bundle on the same held-out split, promote or reject, hot-install, roll back.
@Suite(.serialized) struct LiveRetrainTests {
    static let data = "/usr/share/datasets/fashion-mnist"

    static func makeArchive(_ dir: String) throws {
        try LongTailProfile.writeFashionMNISTSubset(dir, counts: [1: 60, 7: 60, 8: 60], seed: 5, dataset: data)
    }

    func settings(_ root: String, iterations: Int, learningRate: Float) -> RetrainPlan {
        var s = RetrainPlan(archive: root + "/archive", models: root + "/models", threads: 1, architecture: .small)
        s.training.configuration.iterations = iterations
        s.training.configuration.batchSize = 16
        s.training.configuration.learningRate = learningRate
        return s
    }

    @Test func promotesFirstRejectsWorseAndRollsBack() throws {
        LearningThreads.set(1)
        let root = NSTemporaryDirectory() + "camsift-live-retrain-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.makeArchive(root + "/archive")
        let installed = Mutex<[String]>([])
        let install: @Sendable (any FrameClassifier, String) -> Void = { model, path in
            installed.withLock { $0.append(model.version + " " + path) }
        }

        // 1. No bundle serves yet: a trained candidate is promoted and installed.
        let first = try Retrainer.retrain(settings(root, iterations: 4, learningRate: 0.05), reason: "test", install: install)
        #expect(first.hasPrefix("promoted"), "\(first)")
        let store = BundleStore(root: root + "/models")
        let good = try #require(store.current)
        #expect(installed.withLock { $0.count } == 1)

        // 2. A crippled candidate (one pass at a vanishing learning rate) scores lower on the same split: rejected,
        //    the serving bundle stays, nothing is installed.
        let second = try Retrainer.retrain(settings(root, iterations: 1, learningRate: 1e-7), reason: "test", install: install)
        #expect(second.hasPrefix("rejected"), "\(second)")
        #expect(store.current == good)
        #expect(installed.withLock { $0.count } == 1)

        // 3. The serving bundle classifies live frames into its own classes.
        let model = try BundleClassifier(directory: good, threads: 1)
        #expect(model.inputSize == 28)
        let frame = DecodedFrame(width: 28, height: 28, rgb: [UInt8](repeating: 90, count: 28 * 28 * 3))
        let p = try model.classify([frame, frame])
        #expect(p.count == 2 && p.allSatisfy { model.bundle.classes.contains($0.label) && $0.top.count == 3 })
        #expect(p[0].via == (model.bundle.fusion != nil ? "fused" : model.bundle.primary))
        // Which models run per frame: both for the default `adjusted` rule (M1 pooled with M0, w = ¼) and for
        // Eq. 3, M1 alone for `adjusted` with w = 0, the primary model without fusion.
        var b = model.bundle
        #expect(b.fusion?.rule == .adjusted && model.servedRoles == ["M0", "M1"])
        b.fusion?.m0Weight = 0
        #expect(b.servedRoles == ["M1"])
        b.fusion?.rule = .eq3
        #expect(b.servedRoles == ["M0", "M1"])
        b.fusion = nil
        b.primary = "M0"
        #expect(b.servedRoles == ["M0"])

        // 4. Another good candidate is promoted; rollback restores the first.
        let third = try Retrainer.retrain(settings(root, iterations: 4, learningRate: 0.05), reason: "test", install: install)
        #expect(third.hasPrefix("promoted"), "\(third)")
        #expect(store.current != good)
        try store.rollback()
        #expect(store.current == good)
    }
}
