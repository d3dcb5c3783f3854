import CamsiftCore
import Dispatch
import Media
import Synchronization

/// One `rtmp` or `stream` camera: libavformat on a dedicated thread (never the cooperative pool), sampled by
/// `camera.interval`, filtered, delivered to the sink; reconnects with the shared stepped `Backoff`.
///
/// Contract (mediamtx's `Run` + supervisor shape): the thread loops open → read samples → fail → back off
/// until `stop()`. Every blocking FFmpeg call is bounded by the `StreamInterrupt` (open timeout, read stall
/// timeout = `camera.timeout`, stop), so `stop()` returns within ~0.1 s even while a read is blocked.
public final class StreamWorker: CameraWorker {
    public let camera: Camera
    private let options: IngestOptions
    private let sink: any FrameSink
    private let interrupt = StreamInterrupt()
    /// Signalled by `stop()` to cut short a backoff or pacing wait.
    private let wake = DispatchSemaphore(value: 0)
    private let state: Mutex<State>

    /// Consecutive rejected samples after which an online camera is shown as degraded.
    static let degradedAfter = 3

    private struct State: ~Copyable {
        var health: CameraHealth
        var started = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    public init(camera: Camera, options: IngestOptions, sink: any FrameSink) {
        self.camera = camera
        self.options = options
        self.sink = sink
        state = Mutex(State(health: CameraHealth(id: camera.id, kind: camera.kind, state: camera.enabled ? .starting : .disabled)))
    }

    public func start() {
        let go = state.withLock { s -> Bool in
            guard !s.started, camera.enabled else { return false }
            s.started = true
            return true
        }
        guard go else { return }
        DedicatedThread.start { [self] in
            run()
            let waiters = state.withLock { s in
                s.finished = true
                let w = s.waiters
                s.waiters = []
                return w
            }
            for w in waiters { w.resume() }
        }
    }

    public func stop() async {
        interrupt.stop()
        wake.signal()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if !s.started || s.finished { return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    public func health() -> CameraHealth { state.withLock { $0.health } }

    private var subject: String { "camera '\(camera.id)' (\(camera.redactedURL))" }

    private func update(_ body: (inout CameraHealth) -> Void) {
        state.withLock { body(&$0.health) }
    }

    /// Sleeps up to `seconds` on this dedicated thread; returns early (false) when stopped.
    private func pause(_ seconds: Double) -> Bool {
        if interrupt.isStopped { return false }
        _ = wake.wait(timeout: .now() + .nanoseconds(Int(seconds * 1e9)))
        if interrupt.isStopped { wake.signal(); return false }   // keep the signal for any later wait
        return true
    }

    // MARK: - The dedicated thread's loop

    private func run() {
        var backoff = options.backoff
        var filter = FrameFilter(settings: options.filter)
        var readerOptions = VideoStreamReader.Options()
        // Connect + RTMP handshake + probing must all fit in the connect timeout.
        readerOptions.openTimeout = options.connectTimeout
        readerOptions.readTimeout = camera.timeout > 0 ? camera.timeout : options.noFrameTimeout
        let side = options.inputSize

        while !interrupt.isStopped {
            let sessionStart = StreamInterrupt.wallNow()
            do throws(MediaError) {
                let reader = try VideoStreamReader(url: Self.openURL(for: camera), subject: subject,
                                                   options: readerOptions, interrupt: interrupt)
                OperationalLog.info("ingest", "stream opened in \(Int(reader.openSeconds * 1000)) ms", camera: camera.id)
                try readSamples(reader, filter: &filter, backoff: &backoff, side: side, sessionStart: sessionStart)
            } catch {
                if error.code == .cancelled || interrupt.isStopped { break }
                if !error.isRetryable { backoff.escalate() }
                let delay = backoff.next()
                let parked = !error.isRetryable || backoff.failures > (options.backoff.steps.first?.count ?? 5)
                update {
                    $0.state = parked ? .offline : .backoff
                    $0.lastError = error.description
                    $0.reconnects += 1
                }
                OperationalLog.warning("ingest", "\(error.description); retrying in \(Int(delay * 1000)) ms",
                                       camera: camera.id)
                if !pause(delay) { break }
            }
        }
    }

    /// Reads until the stream fails (throws). Paces to real time like `ffmpeg -re` when the source runs ahead
    /// of the wall clock (a file, or a server's initial burst), so sampling by interval means wall seconds.
    private func readSamples(_ reader: VideoStreamReader, filter: inout FrameFilter, backoff: inout Backoff,
                             side: Int, sessionStart: Double) throws(MediaError) {
        var firstPts: Double?
        var baseWall = sessionStart
        var rejectRun = 0
        var bytesSeen = 0
        while !interrupt.isStopped {
            let frame = try reader.nextSample(interval: camera.interval, width: side, height: side, fit: options.fit)
            let pts = reader.lastSampleTime
            if let first = firstPts {
                let ahead = (pts - first) - (StreamInterrupt.wallNow() - baseWall)
                if ahead > max(5, 2 * camera.interval) || pts < first {
                    // A timestamp jump (publisher restarted, wrapped clock): pace from here instead.
                    firstPts = pts
                    baseWall = StreamInterrupt.wallNow()
                } else if ahead > 0.05, !pause(ahead) {
                    break
                }
            } else {
                firstPts = pts
                baseWall = StreamInterrupt.wallNow()
            }
            let delta = reader.bytesRead - bytesSeen
            bytesSeen = reader.bytesRead
            if StreamInterrupt.wallNow() - sessionStart >= options.sustainedSuccess { backoff.reset() }
            if let reason = filter.check(frame, jpeg: nil) {
                rejectRun += 1
                update {
                    $0.framesSampled += 1
                    $0.bytesReceived += delta
                    $0.rejects[reason.rawValue, default: 0] += 1
                    if rejectRun >= Self.degradedAfter { $0.state = .degraded }
                }
                continue
            }
            rejectRun = 0
            let wall = StreamInterrupt.wallNow()
            var wasOnline = true
            update {
                wasOnline = $0.state == .online
                $0.framesSampled += 1
                $0.framesDelivered += 1
                $0.bytesReceived += delta
                $0.lastFrameAt = wall
                $0.state = .online
            }
            if !wasOnline { OperationalLog.notice("ingest", "online", camera: camera.id) }
            sink.submit(Frame(camera: camera.id, capturedAt: .now, capturedWall: wall, jpeg: nil, pixels: frame))
        }
        throw MediaError(.cancelled, "\(subject) stopped on request")
    }
}
