import CamsiftCore
import Foundation
import Synchronization
import Testing
@testable import Learning
import Media
import NN
import Serving

/// The companion member (issue 16, `CompanionSpec`): `camsift train`'s two-model default on a from-scratch
/// network also trains a head on frozen ImageNet EfficientNet-Lite0 features (real imported weights, real
/// Fashion-MNIST JPEGs), records it in the bundle with its own input geometry, and `camsift eval` /
/// `BundleClassifier` serve the pool from the same tensors training saw.
@Suite(.serialized) struct CompanionTests {
    static func options(_ tmp: String, out: String, backbone: String?) -> TrainingSession.Options {
        var o = TrainingSession.Options(archive: tmp + "/archive", out: tmp + "/" + out)
        o.backbone = backbone
        o.companionFeatureDraws = 1
        o.split = try! SplitShares(parsing: "60/20/20")
        var c = TrainingConfiguration.recommended
        c.iterations = 3
        c.batchSize = 16
        c.seed = 4
        o.configuration = c
        return o
    }

    @Test func defaultTrainingAddsTheCompanionAndEvalServesIt() throws {
        LearningThreads.set(1)
        let backbone = try FineTuneTests.requireBackbone()
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-companion-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try FineTuneTests.makeArchive(tmp + "/archive")
        let logged = Mutex<[String]>([])
        var session = TrainingSession(options: Self.options(tmp, out: "model", backbone: backbone), networks: NetworkFactory())
        session.log = { line in logged.withLock { $0.append(line) } }
        let (bundle, report) = try session.run()

        let spec = try #require(bundle.companion)
        #expect(spec.model.hasPrefix("E-") && FileManager.default.fileExists(atPath: tmp + "/model/" + spec.model))
        // The companion frames images at the backbone's side, whatever theirs (28 here); its model file says so.
        #expect(spec.geometry.size == 224 && spec.geometry.channels == 3)
        #expect(try ModelFile.read(path: tmp + "/model/" + spec.model).inputSize == [224, 224])
        #expect(bundle.inputGeometry?.size == 28 && bundle.inputGeometry?.channels == 1)
        let f = try #require(bundle.fusion)
        #expect(f.rule == .adjusted && f.companionWeight == 0.4 && f.priorWeight == 0.1 && f.m0Weight == 0.25)
        #expect(bundle.alternatives?["fused:adjusted/no-E"]?.companionWeight == nil)
        #expect(logged.withLock { $0 }.contains { $0.contains("0.75·(0.6·log p1 + 0.4·log pE)") })
        let e = try #require(report.models.first { $0.name == "E" }?.natural)
        #expect(e.accuracy > 0.6, "3 classes: chance is 0.33, got \(e.accuracy)")
        let fusedTrain = try #require(report.models.first { $0.name == "fused" }?.natural)

        // eval reads each test image at both geometries and scores what training scored (the same tensors; the
        // serving engine folds BatchNorm, so a near-tie may flip: one image at most).
        var eo = EvaluationSession.Options(archive: tmp + "/archive", model: tmp + "/model")
        eo.split = "test"
        eo.seed = 4
        let r = try EvaluationSession(options: eo).run()
        #expect(r.order.contains("E") && r.order.contains("fused:adjusted/no-E"))
        let n = Double(r.images)
        #expect(abs(try #require(r.plain["E"]).accuracy - e.accuracy) <= 1 / n + 1e-9)
        #expect(abs(try #require(r.plain["fused"]).accuracy - fusedTrain.accuracy) <= 1 / n + 1e-9)

        // The daemon's classifier: with the companion frames it predicts the pool of its three models' scores.
        let c = try BundleClassifier(directory: tmp + "/model", threads: 1)
        let cg = try #require(c.companionGeometry)
        let archive = try LabeledArchive.scan(tmp + "/archive")
        let reader = try ArchiveImage()
        let paths = archive.items.prefix(6).map(\.path)
        let frames = try paths.map { try reader.frame(path: $0, geometry: c.geometry) }
        let big = try paths.map { try reader.frame(path: $0, geometry: cg) }
        let scores = try c.scores(frames, companion: big)
        #expect(Set(scores.keys) == ["M0", "M1", "E"])
        for (i, p) in try c.classify(frames, companion: big).enumerated() {
            let want = f.fuse(scores["M0"]![i], scores["M1"]![i], scores["E"]![i]).label
            #expect(p.label == bundle.classes[want])
        }
        // Without them (a stream camera: no JPEG to decode again) it still classifies, from refitted frames.
        #expect(try c.classify(frames).count == frames.count)
    }

    /// `--feature-cache`: a second training of the same archive reads every feature from the store and writes the
    /// same companion, byte for byte, as the cold one (the store returns what the backbone computed).
    @Test func featureCacheGivesTheSameCompanion() throws {
        LearningThreads.set(1)
        let backbone = try FineTuneTests.requireBackbone()
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-companion-cache-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try FineTuneTests.makeArchive(tmp + "/archive")
        var o = Self.options(tmp, out: "cold", backbone: backbone)
        o.companionFeatureDraws = 2
        o.featureCache = tmp + "/cache"
        let (cold, _) = try TrainingSession(options: o, networks: NetworkFactory()).run()
        let stored = try FileManager.default.subpathsOfDirectory(atPath: tmp + "/cache").filter { $0.hasSuffix(".f32") }
        #expect(stored.count == 72, "72 images: train (2 draws) and reference+test (clean) namespaces, one file each")
        o.out = tmp + "/warm"
        let (warm, _) = try TrainingSession(options: o, networks: NetworkFactory()).run()
        #expect(try #require(cold.companion).model == (try #require(warm.companion)).model)
        // Without the store: the same features again (the draws are seeded by each image's bytes).
        o.out = tmp + "/none"
        o.featureCache = nil
        let (none, _) = try TrainingSession(options: o, networks: NetworkFactory()).run()
        #expect(cold.companion?.model == none.companion?.model)
    }

    /// `camsift eval --feature-cache`: eval names the companion's clean features as training does (the companion
    /// file's backbone digest is the ImageNet file's), so it reads the test split's features training kept, keeps
    /// the ones it computes, and scores the same with the store as without it.
    @Test func evalReadsTheCompanionFeaturesTrainingKept() throws {
        LearningThreads.set(1)
        let backbone = try FineTuneTests.requireBackbone()
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-companion-eval-cache-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try FineTuneTests.makeArchive(tmp + "/archive")
        var o = Self.options(tmp, out: "model", backbone: backbone)
        o.featureCache = tmp + "/cache"
        _ = try TrainingSession(options: o, networks: NetworkFactory()).run()
        func stored() throws -> [String] {
            try FileManager.default.subpathsOfDirectory(atPath: tmp + "/cache").filter { $0.hasSuffix(".f32") }.sorted()
        }
        let afterTraining = try stored()
        #expect(afterTraining.count == 72, "one draw: train and reference+test share the clean namespace, one file per image")

        var eo = EvaluationSession.Options(archive: tmp + "/archive", model: tmp + "/model")
        eo.split = "test"
        eo.seed = 4
        let plain = try EvaluationSession(options: eo).run()
        eo.featureCache = tmp + "/cache"
        let cached = try EvaluationSession(options: eo).run()
        #expect(try stored() == afterTraining, "the test split's features came from training's namespace")
        // Training's extractor and the served network fold BatchNorm alike but may differ in the last float bits.
        let n = Double(plain.images)
        #expect(abs(try #require(cached.plain["E"]).accuracy - (try #require(plain.plain["E"])).accuracy) <= 1 / n + 1e-9)
        #expect(cached.plain["M1"] == plain.plain["M1"])

        // A fresh store: eval computes and keeps every image, and the next eval reads them all back unchanged.
        eo.featureCache = tmp + "/cache2"
        eo.split = nil
        let cold = try EvaluationSession(options: eo).run()
        let kept = try FileManager.default.subpathsOfDirectory(atPath: tmp + "/cache2").filter { $0.hasSuffix(".f32") }
        #expect(kept.count == cold.images && cold.images == 72)
        let warm = try EvaluationSession(options: eo).run()
        #expect(warm.plain["E"] == cold.plain["E"] && warm.plain["fused"] == cold.plain["fused"])
    }

    @Test func noBackboneOrCompanionNoneTrainsThePairAlone() throws {
        LearningThreads.set(1)
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-companion-none-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try FineTuneTests.makeArchive(tmp + "/archive")
        let logged = Mutex<[String]>([])
        var session = TrainingSession(options: Self.options(tmp, out: "a", backbone: nil), networks: NetworkFactory())
        session.log = { line in logged.withLock { $0.append(line) } }
        let (a, _) = try session.run()
        #expect(a.companion == nil && a.fusion?.companionWeight == nil && a.fusion?.priorWeight == 0.25)
        #expect(a.configuration.companion == nil)
        #expect(logged.withLock { $0 }.contains { $0.contains("without the companion member") })

        var o = Self.options(tmp, out: "b", backbone: try FineTuneTests.requireBackbone())
        o.configuration.companion = nil
        let (b, _) = try TrainingSession(options: o, networks: NetworkFactory()).run()
        #expect(b.companion == nil && b.fusion?.companionWeight == nil)
        #expect(!((try? FileManager.default.contentsOfDirectory(atPath: tmp + "/b")) ?? []).contains { $0.hasPrefix("E-") })
    }
}
