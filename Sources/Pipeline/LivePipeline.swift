import CamsiftCore
import Serving
import WebServer
import Foundation
import Synchronization

/// The streaming half of the daemon (issue 6): ingest → batcher → change gate → current model → log.
///
/// It owns the batcher (the `FrameSink` ingest delivers to), the inference engine, the model slot that
/// retraining hot-swaps, and the metrics registry. In the daemon its moving parts run as services of the
/// `ServiceGroup`: `engine` (drains on stop) and the `makeMetricsServer(address:)` endpoint. `start` and
/// `drain` drive the same parts by hand, without a group (tests, benchmarks).
public final class LivePipeline: Sendable {
    public let batcher: FrameBatcher
    public let gate: ChangeGate
    public let slot: ModelSlot
    public let engine: InferenceEngine
    public let metrics = MetricsRegistry()
    /// What ingest decodes frames to: the serving model's geometry, updated by `install`.
    public let geometry: ServingGeometry
    private let progress: PipelineProgress
    /// The classification log the engine writes to (its write statistics go to /metrics).
    let logSink: any ClassificationSink
    private let server = Mutex<MetricsServer?>(nil)

    public init(config: CamsiftConfig, classifier: any FrameClassifier, log: any ClassificationSink,
                progress: PipelineProgress) {
        batcher = FrameBatcher(batchSize: max(1, config.batch), maxWait: Double(config.maxWaitMs) / 1000)
        gate = ChangeGate(settings: .init(threshold: config.gateThreshold, maxReuse: config.maxReuse))
        slot = ModelSlot(classifier)
        geometry = ServingGeometry(classifier.geometry)
        self.progress = progress
        logSink = log
        engine = InferenceEngine(batcher: batcher, slot: slot, gate: gate,
                                 sink: ProgressCountingSink(inner: log, progress: progress),
                                 windowStride: config.windowStride)
    }

    /// What ingest submits frames to: the batcher, counting intake for the watchdog.
    /// With a cascade in the serving bundle, frames go through the cheap stage's thread first (`CascadeStage`).
    public var sink: any FrameSink { IntakeCountingSink(next: engine.cascade, progress: progress) }

    /// The /metrics endpoint for `address` (a service), or nil when `address` is empty or cannot be bound:
    /// that is reported and skipped, classification matters more than its metrics.
    public func makeMetricsServer(address: String, access: AccessPolicy? = nil,
                                  fallback: (any HTTPHandler)? = nil) -> MetricsServer? {
        guard !address.isEmpty else { return nil }
        do {
            let s = try MetricsServer(address: address, registry: metrics, access: access, fallback: fallback)
            OperationalLog.info("metrics", "serving Prometheus metrics on http://\(s.host):\(s.port)/metrics")
            return s
        } catch {
            OperationalLog.error("metrics", "no /metrics endpoint: \(error)")
            return nil
        }
    }

    /// Without a service group: starts the inference thread and, when `metricsAddress` is not empty, the
    /// /metrics endpoint.
    public func start(metricsAddress: String) {
        engine.start()
        guard let s = makeMetricsServer(address: metricsAddress) else { return }
        s.start()
        server.withLock { $0 = s }
    }

    /// Without a service group: stops intake and classifies what is queued (bounded), then stops the metrics
    /// endpoint `start` started.
    public func drain(timeout: Double = 8) {
        if !engine.drainAndStop(timeout: timeout) {
            OperationalLog.warning("pipeline", "inference did not drain within \(timeout) s; \(batcher.depth) frames left")
        }
        server.withLock { s in
            s?.stop()
            s = nil
        }
    }

    /// Installs (or removes) the window model between batches.
    public func installWindow(_ window: WindowClassifier?) {
        let old = slot.window
        slot.setWindow(window)
        guard old?.version != window?.version else { return }
        if let window {
            OperationalLog.notice("pipeline", "window model \(window.version) installed: \(window.length) frames per "
                + "window, classes \(window.classes.joined(separator: ", "))")
        } else if let old {
            OperationalLog.notice("pipeline", "window model \(old.version) removed")
        }
    }

    /// Installs (or removes) the tags model between batches.
    public func installTags(_ tags: TagClassifier?) {
        let old = slot.tags
        slot.setTags(tags)
        guard old?.version != tags?.version else { return }
        if let tags {
            OperationalLog.notice("pipeline", "tags model \(tags.version) installed: tags \(tags.tagNames.joined(separator: ", "))")
        } else if let old {
            OperationalLog.notice("pipeline", "tags model \(old.version) removed")
        }
    }

    /// Installs a new model between batches (after a promotion or rollback).
    public func install(_ classifier: any FrameClassifier) {
        geometry.set(classifier.geometry)
        let old = slot.swap(classifier)
        OperationalLog.notice("pipeline", "model \(classifier.version) installed (was \(old?.version ?? "none")); "
                              + "input \(classifier.geometry)" + Self.cascadeNote(classifier))
    }
}

extension LivePipeline {
    /// "; cascade …" for a classifier with a cheap stage (the daemon's start-up and reload lines), else "".
    public static func cascadeNote(_ classifier: any FrameClassifier) -> String {
        guard let c = classifier.cheapStage else { return "" }
        let head = "; cascade: cheap stage \(c.classifier.version) (\(c.classifier.side)² low-level features) "
        guard !c.settlesNothing else {
            return head + "settles nothing (when it was trained no threshold reached the agreement target; every frame goes to the CNN)"
        }
        return head + "settles frames at confidence ≥ " + String(format: "%.4f", c.threshold)
            + (c.spec.map { String(format: " (agreement %.4f on %.1f%% of the frames it was fitted on)", $0.referenceAgreement,
                                   $0.referenceCoverage * 100) } ?? "")
    }
}

/// Counts frames entering the pipeline (the watchdog's intake) and forwards them to the batcher.
struct IntakeCountingSink: FrameSink {
    let next: any FrameSink
    let progress: PipelineProgress
    func submit(_ frame: Frame) {
        progress.intake.add(1, ordering: .relaxed)
        next.submit(frame)
    }
}

/// Counts records leaving the pipeline (the watchdog's output) and forwards them to the log.
struct ProgressCountingSink: ClassificationSink {
    let inner: any ClassificationSink
    let progress: PipelineProgress
    func append(_ record: ClassificationRecord) -> Bool {
        progress.output.add(1, ordering: .relaxed)
        return inner.append(record)
    }
}
