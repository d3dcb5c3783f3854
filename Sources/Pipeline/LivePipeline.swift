import CamsiftCore
import Foundation
import Synchronization

/// The streaming half of the daemon (issue 6): ingest → batcher → change gate → current model → log.
///
/// It owns the batcher (the `FrameSink` ingest delivers to), the inference thread, the model slot that
/// retraining hot-swaps, and the metrics endpoint. The `Daemon` owns the cameras and the lifecycle; it calls
/// `drain()` on stop through its hooks.
public final class LivePipeline: Sendable {
    public let batcher: FrameBatcher
    public let gate: ChangeGate
    public let slot: ModelSlot
    public let engine: InferenceEngine
    public let metrics = MetricsRegistry()
    private let progress: PipelineProgress
    private let server = Mutex<MetricsServer?>(nil)

    public init(config: CamsiftConfig, classifier: any FrameClassifier, log: any ClassificationSink,
                progress: PipelineProgress) {
        batcher = FrameBatcher(batchSize: max(1, config.batch), maxWait: Double(config.maxWaitMs) / 1000)
        gate = ChangeGate(settings: .init(threshold: config.gateThreshold, maxReuse: config.maxReuse))
        slot = ModelSlot(classifier)
        self.progress = progress
        engine = InferenceEngine(batcher: batcher, slot: slot, gate: gate,
                                 sink: ProgressCountingSink(inner: log, progress: progress))
    }

    /// What ingest submits frames to: the batcher, counting intake for the watchdog.
    public var sink: any FrameSink { IntakeCountingSink(batcher: batcher, progress: progress) }

    /// Starts the inference thread and, when `metricsAddress` is not empty, the /metrics endpoint. A metrics
    /// port that cannot be bound is reported and skipped: classification matters more than its metrics.
    public func start(metricsAddress: String) {
        engine.start()
        guard !metricsAddress.isEmpty else { return }
        let s: MetricsServer
        do {
            s = try MetricsServer(address: metricsAddress, registry: metrics)
        } catch {
            OperationalLog.error("metrics", "no /metrics endpoint: \(error)")
            return
        }
        s.start()
        server.withLock { $0 = s }
        OperationalLog.info("metrics", "serving Prometheus metrics on http://\(s.host):\(s.port)/metrics")
    }

    /// Stops intake and classifies what is queued (bounded), then stops the metrics endpoint.
    public func drain(timeout: Double = 8) {
        if !engine.drainAndStop(timeout: timeout) {
            OperationalLog.warning("pipeline", "inference did not drain within \(timeout) s; \(batcher.depth) frames left")
        }
        server.withLock { s in
            s?.stop()
            s = nil
        }
    }

    /// `drain` off the cooperative pool: the wait blocks a thread for up to `timeout` seconds.
    public func drainInBackground(timeout: Double = 8) async {
        await withCheckedContinuation { (k: CheckedContinuation<Void, Never>) in
            let t = Thread { [self] in
                drain(timeout: timeout)
                k.resume()
            }
            t.name = "camsift-drain"
            t.start()
        }
    }

    /// Installs a new model between batches (after a promotion or rollback).
    public func install(_ classifier: any FrameClassifier) {
        let old = slot.swap(classifier)
        OperationalLog.notice("pipeline", "model \(classifier.version) installed (was \(old?.version ?? "none"))")
    }
}

/// Counts frames entering the pipeline (the watchdog's intake) and forwards them to the batcher.
struct IntakeCountingSink: FrameSink {
    let batcher: FrameBatcher
    let progress: PipelineProgress
    func submit(_ frame: Frame) {
        progress.intake.add(1, ordering: .relaxed)
        batcher.submit(frame)
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
