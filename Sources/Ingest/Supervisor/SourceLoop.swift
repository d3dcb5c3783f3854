import CamsiftCore
import Media
import Synchronization

/// The worker of a camera with a `BlockingSource` (rtmp, stream): one dedicated thread runs the source until
/// it fails, asks the camera's monitor for the delay (`CameraMonitor.failed`: state, reconnect count,
/// stepped backoff, escalation), sleeps, and runs it again, until `stop()`. The generic handler of mediamtx
/// and the supervisor loop of swift-service-lifecycle, on a POSIX thread instead of the cooperative pool
/// (its threads must never block in FFmpeg).
///
/// `stop()` sets the stop token, which aborts a blocked FFmpeg call or a backoff sleep within ~0.1 s, waits
/// for the thread to leave `run`, and closes the monitor: after it returns no frame is emitted.
final class SourceLoop: CameraWorker {
    let camera: Camera
    let monitor: CameraMonitor
    private let source: any BlockingSource
    private let stopToken = StreamInterrupt()
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var started = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    init(source: any BlockingSource, options: IngestOptions, sink: any FrameSink) {
        camera = source.camera
        self.source = source
        monitor = CameraMonitor(camera: source.camera, options: options, sink: sink)
    }

    func start() {
        let go = state.withLock { s -> Bool in
            guard !s.started, camera.enabled else { return false }
            s.started = true
            return true
        }
        guard go else { return }
        DedicatedThread.start("camsift-stream") { [self] in
            loop()
            let waiters = state.withLock { s in
                s.finished = true
                let w = s.waiters
                s.waiters = []
                return w
            }
            for w in waiters { w.resume() }
        }
    }

    func stop() async {
        stopToken.stop()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if !s.started || s.finished { return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
        monitor.close()
    }

    func health() -> CameraHealth { monitor.health() }

    /// The dedicated thread: run, fail, wait what the supervisor says, run again.
    private func loop() {
        while !stopToken.isStopped {
            do throws(IngestError) {
                try source.run(monitor: monitor, stop: stopToken)
                // A source only returns by throwing; returning anyway counts as the stream closing.
                throw IngestError(.connectionClosed, "camera '\(camera.id)': \(camera.redactedURL) ended; reconnecting")
            } catch {
                if stopToken.isStopped { break }
                if !stopToken.pause(monitor.failed(error)) { break }
            }
        }
    }
}
