import CamsiftCore
import Foundation
import Learning
import Testing
@testable import Pipeline
import Serving

/// Issue 20's cascade in the live pipeline, in process, on real footage: a bundle trained on street / tree /
/// cartoon frames with its cheap stage; held-out frames go through `LivePipeline`. The frames the cheap stage is
/// confident about (checked against a second, independent `CheapStage` from the same bundle) are logged with
/// `"via": "cheap"` and never reach the CNN batch; every other frame is classified by the bundle's CNN; /metrics
/// counts both.
@Suite(.serialized) struct CascadeRoutingTests {
    @Test func confidentFramesAreSettledByTheCheapStageTheRestByTheCNN() throws {
        let (root, held, dir, report) = try CascadeFootage.prepare("cascade")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(report.spec.referenceAgreement >= report.spec.targetAgreement || report.spec.referenceCoverage == 0)

        // A threshold at the median confidence of the held-out frames, so both routes are taken.
        let reference = try BundleClassifier(directory: dir, threads: 1)
        let cheap0 = try #require(reference.cheapStage)
        let frames = try CascadeFootage.frames(held.map(\.path), geometry: reference.geometry)
        let confidence = try cheap0.classifier.probabilities(frames).map { Double(cheap0.classifier.calibrated($0).max()!) }
        let median = confidence.sorted()[confidence.count / 2]
        var bundle = try ModelBundle.read(dir)
        bundle.cascade!.threshold = median
        try bundle.write(to: dir)

        let classifier = try BundleClassifier(directory: dir, threads: 1)
        let cheap = try #require(classifier.cheapStage)
        #expect(cheap.threshold == median)
        let expected = try CheapStage(bundleDirectory: dir, spec: bundle.cascade!, classes: bundle.classes).settle(frames)
        let settledCount = expected.compactMap { $0 }.count
        #expect(settledCount > 0 && settledCount < frames.count, "\(settledCount) of \(frames.count) settled at \(median)")

        let (p, sink) = Self.pipeline(classifier, batch: 8, metrics: true)
        for (i, f) in frames.enumerated() {
            p.sink.submit(Frame(camera: "cam-\(i)", capturedAt: .now, capturedWall: Timestamp.now(), jpeg: nil, pixels: f,
                                archivePath: held[i].path))
        }
        p.drain()

        let records = Dictionary(uniqueKeysWithValues: sink.all.map { ($0.frame ?? "", $0) })
        #expect(records.count == frames.count, "\(records.count) records for \(frames.count) frames")
        let cnn = try classifier.classify(frames)
        for (i, h) in held.enumerated() {
            let r = try #require(records[h.path])
            if let e = expected[i] {
                #expect(r.via == "cheap" && r.label == e.label && abs(r.score - e.score) < 1e-9, "\(h.path): \(r)")
            } else {
                #expect(r.via != "cheap" && r.label == cnn[i].label, "\(h.path): \(r) (CNN says \(cnn[i].label))")
            }
        }
        let stats = p.engine.cascade.statistics
        #expect(stats.cheap == settledCount && stats.cnn == frames.count - settledCount)
        #expect(p.batcher.statistics.submitted == frames.count - settledCount, "settled frames must not enter the CNN batch")
        let v = PrometheusTextValidator(p.metrics.render())
        #expect(v.isValid, "\(v.problems)")
        #expect(v.value("camsift_cascade_frames_total", ["via": "cheap"]).map(Int.init) == settledCount)
        #expect(v.value("camsift_cascade_frames_total", ["via": "cnn"]).map(Int.init) == frames.count - settledCount)
        #expect(v.value("camsift_frames_classified_total", ["outcome": "classified"]).map(Int.init) == frames.count)
    }

    /// Hot reload: the cheap stage comes and goes with the serving bundle (`LivePipeline.install`, what promotion,
    /// rollback and SIGHUP call): no cheap lines before the bundle, cheap lines while it serves, none after it left.
    @Test func theCheapStageArrivesAndLeavesWithItsBundle() async throws {
        let (root, held, dir, _) = try CascadeFootage.prepare("cascade-reload")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bundle = try BundleClassifier(directory: dir, threads: 1)
        let frames = try CascadeFootage.frames(held.prefix(24).map(\.path), geometry: bundle.geometry)
        let (p, sink) = Self.pipeline(BrightnessClassifier(version: "plain"), batch: 8)
        func phase(_ tag: String) async -> [ClassificationRecord] {
            let before = sink.all.count
            for (i, f) in frames.enumerated() {
                p.sink.submit(Frame(camera: "cam-\(i)", capturedAt: .now, capturedWall: Timestamp.now(), jpeg: nil, pixels: f,
                                    archivePath: tag))
            }
            _ = await waitFor(timeout: 60) { sink.all.count >= before + frames.count }
            return sink.all.filter { $0.frame == tag }
        }
        let first = await phase("before")
        #expect(first.count == frames.count && first.allSatisfy { $0.via != "cheap" })
        p.install(bundle)
        let served = await phase("bundle")
        #expect(served.count == frames.count && served.contains { $0.via == "cheap" }, "\(served.map(\.via))")
        #expect(served.allSatisfy { $0.model == bundle.version })
        p.install(BrightnessClassifier(version: "plain-again"))
        let after = await phase("after")
        #expect(after.count == frames.count && after.allSatisfy { $0.via != "cheap" })
        p.drain()
    }

    /// A bundle without a cascade passes frames straight to the batcher: no cascade counts, no cheap lines.
    @Test func withoutACheapStageEveryFrameGoesToTheCNN() throws {
        var config = CamsiftConfig()
        config.batch = 4
        config.maxWaitMs = 5
        let sink = RecordingSink()
        let p = LivePipeline(config: config, classifier: BrightnessClassifier(version: "v1"), log: sink, progress: PipelineProgress())
        p.start(metricsAddress: "")
        for i in 0..<6 { p.sink.submit(makeFrame(camera: "c\(i)", value: UInt8(i * 30), textured: true, tag: "\(i)")) }
        p.drain()
        #expect(sink.all.count == 6 && sink.all.allSatisfy { $0.via != "cheap" })
        #expect(p.engine.cascade.statistics == CascadeStage.Stats())
        #expect(p.batcher.statistics.submitted == 6)
    }

    /// A stage whose training found no threshold (`CascadeThreshold.never`) settles nothing, so the pipeline skips
    /// it: every frame goes to the CNN batch without paying for the cheap stage, and the start-up line says so.
    @Test func aStageThatSettlesNothingIsBypassed() throws {
        let (root, held, dir, _) = try CascadeFootage.prepare("cascade-never")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var bundle = try ModelBundle.read(dir)
        bundle.cascade!.threshold = CascadeThreshold.never
        try bundle.write(to: dir)
        let classifier = try BundleClassifier(directory: dir, threads: 1)
        #expect(LivePipeline.cascadeNote(classifier).contains("settles nothing"), "\(LivePipeline.cascadeNote(classifier))")
        let frames = try CascadeFootage.frames(held.prefix(12).map(\.path), geometry: classifier.geometry)
        let (p, sink) = Self.pipeline(classifier, batch: 4)
        for (i, f) in frames.enumerated() {
            p.sink.submit(Frame(camera: "cam-\(i)", capturedAt: .now, capturedWall: Timestamp.now(), jpeg: nil, pixels: f,
                                archivePath: "never"))
        }
        p.drain()
        #expect(sink.all.count == frames.count && sink.all.allSatisfy { $0.via != "cheap" })
        #expect(p.engine.cascade.statistics == CascadeStage.Stats())
        #expect(p.batcher.statistics.submitted == frames.count)
    }

    /// A started pipeline with the change gate off (every frame is classified), short batch waits, and its log.
    static func pipeline(_ classifier: any FrameClassifier, batch: Int, metrics: Bool = false) -> (LivePipeline, RecordingSink) {
        var config = CamsiftConfig()
        config.batch = batch
        config.maxWaitMs = 5
        config.gateThreshold = 0
        let sink = RecordingSink()
        let p = LivePipeline(config: config, classifier: classifier, log: sink, progress: PipelineProgress())
        if metrics { p.registerMetrics(health: { [] }) }
        p.start(metricsAddress: "")
        return (p, sink)
    }
}
