import CamsiftCore
import Foundation
import Media
import Synchronization

/// A sampled JPEG waiting for decode.
struct DecodeJob: Sendable {
    var monitor: CameraMonitor
    var jpeg: [UInt8]
    var capturedAt: ContinuousClock.Instant
    var wall: Double
    /// Called (on the submitting thread, under the pool lock: keep it cheap) when this job is dropped unseen,
    /// so a source that skips repeats (snapshot ETag/hash) knows its last frame never reached the pipeline.
    var onDrop: (@Sendable () -> Void)? = nil
}

/// Counters of the decode stage, for `camsift cameras`, /metrics and the ingest bench.
public struct DecodeStats: Sendable, Equatable {
    public var decoded = 0
    public var rejected = 0
    /// Jobs dropped (oldest first) because the queue was full: the decoders cannot keep up.
    public var dropped = 0
    public var queued = 0
    /// Capture → decoded latencies of recent frames, seconds (ring of the last 4096).
    public var recentLatencies: [Double] = []
}

/// A few threads (options.decodeThreads, one `JPEGDecoder` each: TurboJPEG handles are not thread-safe) fed by
/// a bounded FIFO. Live frames lose value with age, so a full queue drops its *oldest* job and counts it,
/// never blocks the curl loop.
final class DecodePool: @unchecked Sendable {
    // `cond` guards every field below it.
    private let cond = NSCondition()
    private var ring: [DecodeJob?]
    private var head = 0
    private var count = 0
    private var stopping = false
    private var stats = DecodeStats()
    private var latencyRing: [Double] = []
    private var latencyNext = 0
    private var running = 0

    private let options: IngestOptions

    init(options: IngestOptions) {
        self.options = options
        ring = Array(repeating: nil, count: options.decodeQueueCapacity)
        for i in 0..<options.decodeThreads {
            running += 1
            DedicatedThread.start("camsift-decode-\(i)") { [self] in self.work() }
        }
    }

    /// Never blocks beyond the queue lock. Returns false when an older job had to be dropped.
    @discardableResult
    func submit(_ job: DecodeJob) -> Bool {
        cond.lock()
        defer { cond.unlock() }
        guard !stopping else { return false }
        var dropped = false
        if count == ring.count {
            ring[head]?.onDrop?()
            ring[head] = nil
            head = (head + 1) % ring.count
            count -= 1
            stats.dropped += 1
            dropped = true
        }
        ring[(head + count) % ring.count] = job
        count += 1
        cond.signal()
        return !dropped
    }

    func snapshot() -> DecodeStats {
        cond.lock()
        defer { cond.unlock() }
        var s = stats
        s.queued = count
        s.recentLatencies = latencyRing
        return s
    }

    /// Stops the threads after the jobs in flight; queued jobs are discarded.
    func shutdown() async {
        beginStop()
        while runningThreads() > 0 {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func beginStop() {
        cond.lock()
        stopping = true
        for i in 0..<ring.count { ring[i] = nil }
        count = 0
        cond.broadcast()
        cond.unlock()
    }

    private func runningThreads() -> Int {
        cond.lock()
        defer { cond.unlock() }
        return running
    }

    private func work() {
        defer {
            cond.lock()
            running -= 1
            cond.unlock()
        }
        // Under CPU starvation the network loop must win: a late decode is dropped and counted, a late
        // read turns into timeouts and reconnects for every camera. On Linux, who=0 means the calling thread.
        // Relative to the process's own nice value, so `nice -n -10 camsift run` keeps the same ordering.
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let base = getpriority(which, 0)
        if errno == 0 { _ = setpriority(which, 0, min(19, base + 5)) }
        guard let decoder = try? JPEGDecoder() else {
            OperationalLog.error("ingest", "cannot create a TurboJPEG decoder (tjInitDecompress failed): out of memory?")
            return
        }
        var regionFrame: RegionFrame?  // region cameras only, created on first use
        while true {
            cond.lock()
            while count == 0 && !stopping { cond.wait() }
            if stopping {
                cond.unlock()
                return
            }
            let job = ring[head]!
            ring[head] = nil
            head = (head + 1) % ring.count
            count -= 1
            cond.unlock()
            process(job, decoder, &regionFrame)
        }
    }

    private func process(_ job: DecodeJob, _ decoder: JPEGDecoder, _ regionFrame: inout RegionFrame?) {
        let geometry = options.geometry.current
        let result: Result<(jpeg: [UInt8], pixels: DecodedFrame), any Error>
        if let region = job.monitor.camera.region {
            // A region camera's frame is its region, cut out once and re-encoded once (`RegionFrame`): the model
            // input is decoded from those bytes, and they are what is kept and archived in place of the camera's.
            result = job.jpeg.withUnsafeBytes { raw in
                Result {
                    if regionFrame == nil { regionFrame = try RegionFrame() }
                    return try regionFrame!.make(jpeg: raw, region: region, decoder: decoder, geometry: geometry)
                }
            }
        } else {
            result = job.jpeg.withUnsafeBytes { raw in
                Result { (job.jpeg, try decoder.decode(raw, geometry: geometry)) }
            }
        }
        let latency = Double((ContinuousClock.now - job.capturedAt) / .seconds(1))
        var ok = false
        switch result {
        case .success(let frame):
            ok = job.monitor.deliver(frame.pixels, jpeg: frame.jpeg, capturedAt: job.capturedAt, wall: job.wall,
                                     onDrop: job.onDrop)
        case .failure(let error):
            job.monitor.rejected(Self.rejectReason(error))
        }
        cond.lock()
        if ok { stats.decoded += 1 } else { stats.rejected += 1 }
        if latencyRing.count < 4096 { latencyRing.append(latency) } else { latencyRing[latencyNext] = latency }
        latencyNext = (latencyNext + 1) % 4096
        cond.unlock()
    }

    /// Media's decoder reports why; a cut-off file and a corrupt one are counted apart.
    static func rejectReason(_ error: any Error) -> RejectReason {
        (error as? MediaError)?.rejectReason ?? .undecodable
    }
}
