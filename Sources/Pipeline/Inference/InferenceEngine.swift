import CamsiftCore
import Foundation
import Media
import Serving
import Synchronization

/// Runs batches from the `FrameBatcher` through the current model on a dedicated thread and writes one
/// classification record per accepted frame (issue 6). Every frame the batcher hands out gets exactly one
/// record: classified, reused by change gating, or — if the model throws — none, with the failure counted
/// and logged (the frame is then accounted as `failed`).
///
/// As a daemon service, `run()` starts the thread and, on shutdown — after the cameras stopped delivering —
/// closes intake and classifies what is still queued, giving up after `drainTimeout` seconds (the frames left
/// are logged). `start()` and `drainAndStop(timeout:)` drive it by hand (tests, `LivePipeline.drain`).
public final class InferenceEngine: Service {
    public struct Stats: Sendable, Equatable {
        public var classified = 0
        public var reused = 0
        public var failed = 0
        public var batches = 0
        /// Log lines written, by label (classified and reused), for the label mix on /metrics.
        public var labels: [String: Int] = [:]
        /// Window events written (issue 18), by label.
        public var windows: [String: Int] = [:]
    }

    private let batcher: FrameBatcher
    private let slot: ModelSlot
    private let gate: ChangeGate
    private let sink: any ClassificationSink
    public let latency = Histogram()
    public let batchSizes = Histogram(bounds: [1, 2, 4, 8, 16, 32, 64])
    private let stats = Mutex(Stats())
    private let observer = Mutex<(any FrameObserver)?>(nil)
    private let done = Mutex<Bool>(false)
    private let doneSignal = DispatchSemaphore(value: 0)
    /// The model version of the previous batch (inference thread only): a change means the old model's last
    /// reference is gone, so its memory can be handed back (`HeapTrim`).
    private let lastVersion = Mutex<String?>(nil)
    /// How long the daemon's stop waits for the queue to drain (inside the 30 % of `stopDeadline` the
    /// group gives this service).
    public let drainTimeout: Double
    /// Per-camera feature rings and the window model's calls (inference thread only).
    private let windowStage: WindowStage
    /// Tags per classified frame (inference thread only).
    private let tagStage = TagStage()
    /// A companion member's second decode of each frame (inference thread only).
    private let companionFrames = CompanionFrames()
    /// The cascade's cheap stage in front of the batcher (issue 20), on its own thread; what ingest submits to.
    public let cascade: CascadeStage

    /// - Parameter windowStride: frames between two window events of a camera once its ring is full.
    public init(batcher: FrameBatcher, slot: ModelSlot, gate: ChangeGate, sink: any ClassificationSink,
                drainTimeout: Double = 2, windowStride: Int = CamsiftConfig.defaultWindowStride) {
        self.batcher = batcher
        self.slot = slot
        self.gate = gate
        self.sink = sink
        self.drainTimeout = drainTimeout
        windowStage = WindowStage(stride: windowStride)
        cascade = CascadeStage(next: batcher, slot: slot, gate: gate, batchSize: batcher.batchSize)
    }

    /// Where the tags stage finds a frame's camera (registry metadata for the context modality).
    public func setCameraLookup(_ lookup: @escaping @Sendable (String) -> Camera?) { tagStage.setLookup(lookup) }

    /// Sets (or clears) the one observer of logged frames (the console); takes effect from the next batch.
    public func setObserver(_ o: (any FrameObserver)?) { observer.withLock { $0 = o } }

    /// Runs the inference thread until the group shuts the daemon down, then drains (bounded).
    public func run() async throws {
        start()
        reportServiceStarted()
        try? await gracefulShutdown()
        let timeout = drainTimeout
        let drained = await DedicatedThread.run("camsift-drain") { [self] in drainAndStop(timeout: timeout) }
        if !drained {
            OperationalLog.warning("pipeline", "inference did not drain within \(timeout) s; \(batcher.depth) frames left; "
                + "their results are lost")
        }
    }

    /// Starts the inference thread. `priority` is the thread's relative priority (0…1).
    public func start() {
        cascade.start { [self] frame, record in emit(frame, record) }
        DedicatedThread.start("camsift-inference", stackSize: 8 << 20) { [self] in
            self.loop()
            self.done.withLock { $0 = true }
            self.doneSignal.signal()
        }
    }

    /// Closes intake, lets the thread classify everything still queued, and waits (up to `timeout` s).
    /// Returns false when the drain did not finish in time.
    @discardableResult
    public func drainAndStop(timeout: Double = 8) -> Bool {
        if !cascade.drain(timeout: timeout / 2) {
            OperationalLog.warning("cascade", "the cascade did not drain within \(timeout / 2) s; \(cascade.depth) frames left")
        }
        batcher.close()
        if done.withLock({ $0 }) { return true }
        return doneSignal.wait(timeout: .now() + timeout) == .success
    }

    public var statistics: Stats { stats.withLock { $0 } }

    /// A frame the cascade settled (on the cascade thread): stamped with its latency and logged like a classified
    /// frame — log, latency histogram, observers, counts.
    func emit(_ frame: Frame, _ record: ClassificationRecord) {
        var r = record
        let lat = frame.capturedAt.duration(to: .now)
        let ms = Double(lat.components.seconds) * 1000 + Double(lat.components.attoseconds) / 1e15
        r.latency_ms = (ms * 10).rounded() / 10
        latency.observe(ms / 1000)
        sink.append(r)
        observer.withLock { $0 }?.observe(frame, record: r, roles: [:])
        stats.withLock {
            $0.classified += 1
            $0.labels[r.label, default: 0] += 1
        }
    }

    private func loop() {
        while true {
            let batch = batcher.nextBatch(timeout: 0.5)
            if batch.isEmpty {
                if batcher.isClosedAndEmpty { return }
                continue
            }
            process(batch)
        }
    }

    /// Classifies one batch. Internal for tests that drive batches directly.
    func process(_ batch: [Frame]) {
        guard let model = slot.classifier else {
            stats.withLock { $0.failed += batch.count }
            return
        }
        let version = model.version
        let previous = lastVersion.withLock { v in
            defer { v = version }
            return v
        }
        if let previous, previous != version { HeapTrim.release() }
        let now = Timestamp.now()
        var toClassify: [Int] = []
        var reusedIndices: [Int] = []
        let window = slot.window
        let tagModel = slot.tags
        let source = window == nil && tagModel == nil ? nil : model as? any FeatureSource
        var features: [Float] = []
        var records = [ClassificationRecord?](repeating: nil, count: batch.count)
        var roles = [[String: String]](repeating: [:], count: batch.count)
        for (i, f) in batch.enumerated() {
            switch gate.decide(f, now: now, modelVersion: version) {
            case .classify:
                toClassify.append(i)
            case .reuse(var r):
                r.ts = Timestamp.rfc3339(f.capturedWall)
                r.reused = true
                r.frame = f.archivePath
                records[i] = r
                reusedIndices.append(i)
            }
        }
        var failed = 0
        if !toClassify.isEmpty {
            do {
                let g = model.geometry
                let frames = toClassify.map { batch[$0].pixels.refitted(to: g) }
                let companion = model.companionGeometry.map { companionFrames.frames(toClassify.map { batch[$0] }, geometry: $0) }
                let preds = try source.map { try $0.classify(frames, companion: companion, features: &features) }
                    ?? model.classify(frames, companion: companion)
                let tagger = tagModel.flatMap { t in source.flatMap { tagStage.usable(t, source: $0, features: features.count, frames: frames.count) } }
                for (k, i) in toClassify.enumerated() {
                    let f = batch[i]
                    let p = preds[k]
                    var r = ClassificationRecord(
                        ts: Timestamp.rfc3339(f.capturedWall), camera: f.camera, label: p.label, score: p.score,
                        model: version, via: p.via, top: p.top, latency_ms: 0, frame: f.archivePath)
                    if let tagger {
                        r.tags = tagStage.tags(tagger, features: features, row: k, camera: f.camera, wall: f.capturedWall)
                    }
                    records[i] = r
                    roles[i] = p.roles
                    gate.remember(f, record: r, now: now, modelVersion: version)
                }
            } catch {
                failed = toClassify.count
                features = []
                OperationalLog.error("inference", "model \(version) failed on a batch of \(toClassify.count): \(error)")
            }
        }
        let end = ContinuousClock.now
        var written = 0
        var reused = 0
        var labels: [String: Int] = [:]
        let watcher = observer.withLock { $0 }
        for (i, r) in records.enumerated() {
            guard var r else { continue }
            let lat = batch[i].capturedAt.duration(to: end)
            let ms = Double(lat.components.seconds) * 1000 + Double(lat.components.attoseconds) / 1e15
            r.latency_ms = (ms * 10).rounded() / 10
            latency.observe(ms / 1000)
            sink.append(r)
            watcher?.observe(batch[i], record: r, roles: roles[i])
            written += 1
            labels[r.label, default: 0] += 1
            if r.reused == true { reused += 1 }
        }
        var windowLabels: [String: Int] = [:]
        if let window, let source, failed == 0 {
            for r in windowStage.process(batch: batch, classified: toClassify, features: features, reused: reusedIndices,
                                         source: source, window: window, now: now) {
                sink.append(r)
                windowLabels[r.label, default: 0] += 1
            }
        }
        batchSizes.observe(Double(toClassify.count))
        stats.withLock {
            for (l, n) in windowLabels { $0.windows[l, default: 0] += n }
            $0.classified += written - reused
            $0.reused += reused
            $0.failed += failed
            $0.batches += 1
            for (l, n) in labels { $0.labels[l, default: 0] += n }
        }
    }
}
