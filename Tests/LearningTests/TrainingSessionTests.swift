import Foundation
import Testing
import Media
import NN
@testable import Learning
import Serving

/// `camsift train`'s session end to end on a generated archive of real JPEGs with the real SmallCNN on the
/// NN engine, real model files and a real bundle, then `camsift eval`'s session on it.
@Suite(.serialized) struct TrainingSessionTests {
    /// Four Fashion-MNIST classes (t-shirt, trouser, sneaker, bag; long-tailed 90/60/40/30) as JPEGs.
    static func makeArchive(_ dir: String) throws {
        try? FileManager.default.removeItem(atPath: dir)
        try LongTailProfile.writeFashionMNISTSubset(dir, counts: [0: 90, 1: 60, 7: 40, 8: 30], seed: 3, dataset: TrainerTests.root)
    }

    func train(_ archive: String, out: String, sampler: SamplerKind,
               split: SplitShares = .default) throws -> (bundle: ModelBundle, report: TrainingReport) {
        var o = TrainingSession.Options(archive: archive, out: out)
        o.split = split
        o.architecture = .small
        var c = sampler == .fused ? TrainingConfiguration.recommended : .published(sampler)
        c.iterations = 4
        c.batchSize = 16
        c.learningRate = 0.05
        c.seed = 7
        o.configuration = c
        return try TrainingSession(options: o, networks: NetworkFactory()).run()
    }

    @Test func trainsFusedBundleThatBeatsChanceAndEvaluates() throws {
        LearningThreads.set(1)
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-session-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try Self.makeArchive(tmp + "/archive")
        let (bundle, report) = try train(tmp + "/archive", out: tmp + "/model", sampler: .fused)
        #expect(bundle.classes == ["0-tshirt-top", "1-trouser", "7-sneaker", "8-bag"])
        #expect(Set(bundle.models.keys) == ["M0", "M1"])
        #expect(bundle.primary == "fused" && bundle.fusion != nil)
        #expect(bundle.trainCounts == [63, 42, 28, 21])
        // Chance is 0.25 on 4 classes; these four are easy to tell apart.
        let fused = try #require(report.models.first { $0.name == "fused" })
        #expect(try #require(fused.natural).accuracy > 0.6)
        #expect(Array(report.models.map(\.name).prefix(3)) == ["M0", "M1", "fused"])
        // M1 fine-tunes M0 for ⅔ of the budget (`m1Share`): round(4 · ⅔) = 3 passes beside M0's 4.
        #expect(report.models[0].history.count == 4 && report.models[1].history.count == 3)
        #expect(report.models.contains { $0.name == "fused:eq3-mean/mixed" })
        // The default predicts with the pool ¾·log p1 + ¼·log p0 (w = λ = ¼); the reference pick of λ for M1
        // alone (the earlier default) is scored beside it.
        let f = try #require(bundle.fusion)
        #expect(f.rule == .adjusted && f.priorWeight == 0.25 && f.m0Weight == 0.25 && f.needsM0)
        let ref = try #require(bundle.alternatives?["fused:adjusted/ref"])
        #expect(ref.rule == .adjusted && ref.m0Weight == 0 && (0...1).contains(ref.priorWeight ?? -1))
        #expect(report.models.contains { $0.name == "fused:adjusted/ref" })
        for f in ["bundle.json", "report.md", "report.json", "f1-by-model.png"] {
            #expect(FileManager.default.fileExists(atPath: tmp + "/model/" + f))
        }
        // The saved model files load back and reproduce the test metrics through `camsift eval`'s session.
        var e = EvaluationSession.Options(archive: tmp + "/archive", model: tmp + "/model")
        e.split = "test"
        e.seed = 7
        e.weightBy = tmp + "/archive"
        let r = try EvaluationSession(options: e).run()
        #expect(Array(r.order.prefix(3)) == ["M0", "M1", "fused"])
        #expect(abs(r.plain["fused"]!.accuracy - fused.natural!.accuracy) < 1e-9)
        // Weighting the archive's own test split by the archive's mix changes nothing (stratified split).
        #expect(abs(r.deployed!["fused"]!.accuracy - r.plain["fused"]!.accuracy) < 0.02)
        // Calibration (issue 16): T fitted on the reference split is in bundle.json, and eval — scoring through
        // the daemon's classifier — measures the same ECE on the test split as training did, before and after.
        let cal = try #require(report.calibration)
        #expect(cal.sets.map(\.set) == ["reference", "reference (balanced)", "test", "test (balanced)"])
        #expect(bundle.temperature == cal.temperature)
        // The default fits T for the balanced view (every reference class weighted equally).
        #expect(bundle.configuration.calibrationView == .balanced && cal.fit?.classBalanced == true)
        #expect(try ModelBundle.read(tmp + "/model").temperature == bundle.temperature)
        let evaluated = try #require(r.calibration?.sets.first { $0.set == "evaluated" })
        #expect(abs(evaluated.before.value - cal.sets[2].before.value) < 1e-3)
        #expect(abs(evaluated.after.value - cal.sets[2].after.value) < 1e-3)
        #expect(evaluated.images == cal.sets[2].images)
        let md = try String(contentsOfFile: tmp + "/model/report.md", encoding: .utf8)
        #expect(md.contains("## Calibration"))

        // Determinism: the same seed on the same thread count gives byte-identical model files.
        let (again, _) = try train(tmp + "/archive", out: tmp + "/model2", sampler: .fused)
        #expect(again.models == bundle.models)
        #expect(again.testMetrics == bundle.testMetrics)
    }

    /// `--split 90/10/0` (external test set): training works, the bundle and report carry no test metrics and the
    /// report says why, and split.json lists exactly the images of each split (what the bench's peer trains on).
    @Test func noTestSplitTrainsAndSaysSo() throws {
        LearningThreads.set(1)
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-notest-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try Self.makeArchive(tmp + "/archive")
        let shares = try SplitShares(parsing: "90/10/0")
        let (bundle, report) = try train(tmp + "/archive", out: tmp + "/model", sampler: .plain, split: shares)
        #expect(bundle.testMetrics.isEmpty && bundle.provenance["split"] == "90/10/0")
        #expect(!report.hasTestMetrics && report.models.allSatisfy { $0.natural == nil && $0.balanced == nil })
        #expect(report.models.first?.history.count == 4)
        #expect(report.split == shares)
        #expect(report.counts["train"] == [81, 54, 36, 27] && report.counts["reference"] == [9, 6, 4, 3])
        #expect(report.counts["test"] == [0, 0, 0, 0])
        let md = try String(contentsOfFile: tmp + "/model/report.md", encoding: .utf8)
        #expect(md.contains("No test images (split 90/10/0): no test metrics"), "\(md)")
        #expect(md.contains("Split 90/10/0"))
        #expect(!FileManager.default.fileExists(atPath: tmp + "/model/f1-by-model.png"))

        let m = try SplitManifest.read(tmp + "/model")
        #expect(m.shares == shares && m.seed == 7 && m.test.isEmpty)
        #expect(m.counts["train"] == report.counts["train"] && m.counts["reference"] == report.counts["reference"])
        let archive = try LabeledArchive.scan(tmp + "/archive")
        let split = try DatasetSplit.make(labels: archive.items.map(\.label), classCount: 4, seed: 7, shares: shares)
        #expect(m.train.map(m.path(of:)) == split.train.map { archive.items[$0].path })
        #expect(m.reference.map(\.label) == split.reference.map { archive.items[$0].label })
        #expect(m.train.allSatisfy { !$0.path.hasPrefix("/") && $0.path.hasPrefix(m.classes[$0.label] + "/") })

        // `camsift eval --split` cuts with the bundle's shares; asking for its (empty) test split is refused.
        var e = EvaluationSession.Options(archive: tmp + "/archive", model: tmp + "/model")
        e.seed = 7
        e.split = "reference"
        #expect(try EvaluationSession(options: e).run().images == m.reference.count)
        e.split = "test"
        #expect { try EvaluationSession(options: e).run() } throws: { e in
            (e as? LearningError)?.message.contains("no test split") == true
        }
    }

    @Test func retrainingReplacesTheBundleAtomically() throws {
        LearningThreads.set(1)
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-swap-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try Self.makeArchive(tmp + "/archive")
        let (first, _) = try train(tmp + "/archive", out: tmp + "/model", sampler: .plain)
        #expect(first.primary == "M0" && first.fusion == nil && first.models.count == 1)
        let (second, _) = try train(tmp + "/archive", out: tmp + "/model", sampler: .balanced)
        let read = try ModelBundle.read(tmp + "/model")
        #expect(read == second)
        #expect(read.sampler == .balanced)
        // The previous generation's model file is kept for readers mid-swap; no temp files remain.
        let files = try FileManager.default.contentsOfDirectory(atPath: tmp + "/model")
        #expect(files.contains(first.models["M0"]!) && files.contains(second.models["M0"]!))
        #expect(!files.contains { $0.contains(".tmp-") || $0.hasPrefix(".") })
        // A bundle naming a missing model file is refused with its name.
        try FileManager.default.removeItem(atPath: tmp + "/model/" + second.models["M0"]!)
        #expect { try ModelBundle.read(tmp + "/model") } throws: { e in
            (e as? LearningError)?.message.contains(second.models["M0"]!) == true
        }
    }

    /// `m1Start = .m0` (Algorithm 1's M¹₀ ← M0): M1 fine-tunes M0's parameters, so it ends far closer to M0
    /// than a scratch M1 trained on the same draws does.
    @Test func m1StartsFromM0WhenAsked() throws {
        LearningThreads.set(1)
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-m1start-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try Self.makeArchive(tmp + "/archive")
        func distance(_ start: TrainingConfiguration.M1Start) throws -> Double {
            var o = TrainingSession.Options(archive: tmp + "/archive", out: tmp + "/model-\(start.rawValue)")
            var c = TrainingConfiguration.recommended
            c.iterations = 2
            c.batchSize = 16
            c.learningRate = 0.001
            c.seed = 7
            c.m1Start = start
            o.configuration = c
            let (b, _) = try TrainingSession(options: o, networks: NetworkFactory()).run()
            let m0 = try NetworkFactory().load(o.out + "/" + b.models["M0"]!, options: o).snapshot()
            let m1 = try NetworkFactory().load(o.out + "/" + b.models["M1"]!, options: o).snapshot()
            #expect(m0.count == m1.count)
            var d = 0.0
            for (a, b) in zip(m0, m1) { for (x, y) in zip(a, b) { d += Double((x - y) * (x - y)) } }
            return d
        }
        let warm = try distance(.m0), scratch = try distance(.scratch)
        #expect(warm * 100 < scratch, "warm \(warm) vs scratch \(scratch)")
    }

    /// M1's budget: a share of `iterations` only when it starts from M0, rounded, never below one pass.
    @Test func m1ShareSetsM1sPassesFromM0Only() {
        var c = TrainingConfiguration.recommended
        c.iterations = 15
        #expect(c.m1Iterations(fromM0: true) == 10 && c.m1Iterations(fromM0: false) == 15)
        c.m1Share = 0.5
        #expect(c.m1Iterations(fromM0: true) == 8)  // 7.5 rounds up
        c.m1Share = 0.01
        #expect(c.m1Iterations(fromM0: true) == 1)
        c.m1Share = nil
        #expect(c.m1Iterations(fromM0: true) == 15)
    }

    /// `m1Trains` (cRT, Kang et al. 2020): M1 starts from M0 and re-trains only the dense head (or only the last
    /// linear layer); every other tensor — convolutions, BatchNorm γ/β and running statistics — stays M0's bit for
    /// bit, and the trained ones move.
    @Test func m1HeadRetrainingKeepsM0sFeatures() throws {
        LearningThreads.set(1)
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-m1train-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try Self.makeArchive(tmp + "/archive")
        for (part, trained) in [(TrainingConfiguration.M1Trains.head, ["fc1.", "fc."]), (.classifier, ["fc."])] {
            var o = TrainingSession.Options(archive: tmp + "/archive", out: tmp + "/model-\(part.rawValue)")
            var c = TrainingConfiguration.recommended
            c.iterations = 2
            c.batchSize = 16
            c.seed = 7
            c.m1Start = .m0
            c.m1Trains = part
            o.configuration = c
            let (b, _) = try TrainingSession(options: o, networks: NetworkFactory()).run()
            let m0 = try ModelFile.read(path: o.out + "/" + b.models["M0"]!).tensors
            let m1 = Dictionary(uniqueKeysWithValues: try ModelFile.read(path: o.out + "/" + b.models["M1"]!).tensors.map { ($0.name, $0.values) })
            #expect(m0.count == m1.count && m0.contains { $0.name.hasPrefix("bn") && $0.name.hasSuffix("running_mean") })
            for t in m0 {
                let moves = trained.contains { t.name.hasPrefix($0) }
                #expect((m1[t.name] != t.values) == moves, "\(part.rawValue): \(t.name) \(moves ? "did not move" : "moved")")
            }
        }
    }
}
