import CamsiftCore
import Foundation
import Serving
import Synchronization

/// The cascade in front of the CNN batch (issue 20, "The cascade"): when the serving bundle carries a cheap stage
/// (`Serving.CheapStage`: low-level features of a small downscale + the Table III network over the bundle's
/// classes), every frame passes through this stage's own thread first. Frames the change gate would reuse go on
/// to the batcher untouched (the engine reuses them as before); the cheap stage classifies the rest, and a frame
/// whose calibrated confidence reaches the bundle's threshold is logged here with `"via": "cheap"` (and becomes
/// the gate's reference for its camera) — it never enters the CNN batch. The others go to the batcher as today.
///
/// Why a thread of its own: the cheap stage costs ~1/20 of a CNN pass, so on a multi-core box it settles easy
/// frames beside the inference thread instead of taking turns with it. Its queue is a `FrameBatcher` (bounded,
/// round-robin over cameras, oldest frame dropped and counted on overflow). Without a cheap stage, `submit` hands
/// frames straight to the batcher on the caller's thread: no hop, no cost.
public final class CascadeStage: FrameSink, @unchecked Sendable {
    public struct Stats: Sendable, Equatable {
        /// Frames settled by the cheap stage (`"via": "cheap"`).
        public var cheap = 0
        /// Frames the cheap stage was not confident about, sent on to the CNN batch.
        public var cnn = 0
        /// Frames the cheap stage failed on (sent on to the CNN).
        public var failed = 0
        /// Wall time on the cascade thread inside the cheap stage, seconds.
        public var seconds = 0.0
    }

    /// What the stage hands a settled frame and its record to (the engine: latency, log, observers, counts).
    public typealias Emit = @Sendable (Frame, ClassificationRecord) -> Void

    private let front: FrameBatcher
    private let next: FrameBatcher
    private let slot: ModelSlot
    private let gate: ChangeGate
    private let emit = Mutex<Emit?>(nil)
    private let stats = Mutex(Stats())
    private let running = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private var warned: Set<String> = []   // cascade thread only

    /// - Parameters: `next`, the CNN batcher; `batchSize`, frames the cheap stage takes per call.
    public init(next: FrameBatcher, slot: ModelSlot, gate: ChangeGate, batchSize: Int = 16, capacity: Int = 4096) {
        self.next = next
        self.slot = slot
        self.gate = gate
        front = FrameBatcher(batchSize: batchSize, maxWait: 0.002, perCameraDepth: 2, capacity: max(capacity, batchSize))
    }

    public var statistics: Stats { stats.withLock { $0 } }
    /// The cascade queue's own counters (frames dropped before the cheap stage).
    public var queueStatistics: FrameBatcher.Stats { front.statistics }
    public var depth: Int { front.depth }

    public func submit(_ frame: Frame) {
        // A stage whose training found no threshold (above any probability) would settle nothing: skip its cost.
        guard running.load(ordering: .acquiring), let cheap = slot.classifier?.cheapStage, !cheap.settlesNothing else {
            next.submit(frame)
            return
        }
        front.submit(frame)
    }

    /// Starts the cascade thread; settled frames go to `emit`.
    func start(emit e: @escaping Emit) {
        emit.withLock { $0 = e }
        running.store(true, ordering: .releasing)
        DedicatedThread.start("camsift-cascade", stackSize: 8 << 20) { [self] in
            while true {
                let batch = front.nextBatch(timeout: 0.5)
                if batch.isEmpty {
                    if front.isClosedAndEmpty { break }
                    continue
                }
                route(batch)
            }
            done.signal()
        }
    }

    /// Closes the cascade's intake and waits (up to `timeout` s) until what it holds has been settled or passed on.
    @discardableResult
    func drain(timeout: Double) -> Bool {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return true }
        front.close()
        return done.wait(timeout: .now() + timeout) == .success
    }

    /// One batch from the cascade queue: gate, cheap stage, then log or pass on. Internal for tests.
    func route(_ batch: [Frame]) {
        guard let model = slot.classifier, let cheap = model.cheapStage, let emit = emit.withLock({ $0 }) else {
            for f in batch { next.submit(f) }
            return
        }
        let version = model.version
        let now = Timestamp.now()
        var candidates: [Int] = []
        for (i, f) in batch.enumerated() {
            if case .classify = gate.decide(f, now: now, modelVersion: version) { candidates.append(i) } else { next.submit(f) }
        }
        guard !candidates.isEmpty else { return }
        let start = ContinuousClock.now
        let settled: [Prediction?]
        do {
            settled = try cheap.settle(candidates.map { batch[$0].pixels })
        } catch {
            if warned.insert(version).inserted {
                OperationalLog.error("cascade", "cheap stage of \(version) failed (frames go to the CNN): \(error)")
            }
            stats.withLock { $0.failed += candidates.count }
            for i in candidates { next.submit(batch[i]) }
            return
        }
        let spent = start.duration(to: .now)
        var cheapCount = 0
        for (k, i) in candidates.enumerated() {
            let f = batch[i]
            guard let p = settled[k] else {
                next.submit(f)
                continue
            }
            let r = ClassificationRecord(ts: Timestamp.rfc3339(f.capturedWall), camera: f.camera, label: p.label, score: p.score,
                                         model: version, via: p.via, top: p.top, latency_ms: 0, frame: f.archivePath)
            gate.remember(f, record: r, now: now, modelVersion: version)
            emit(f, r)
            cheapCount += 1
        }
        stats.withLock {
            $0.cheap += cheapCount
            $0.cnn += candidates.count - cheapCount
            $0.seconds += Double(spent.components.seconds) + Double(spent.components.attoseconds) / 1e18
        }
    }
}
