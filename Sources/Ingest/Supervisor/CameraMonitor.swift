import CamsiftCore
import Media
import Synchronization

/// The thread-safe side of one HTTP camera: its supervisor (health + backoff) and its bad-frame filter, shared
/// between the curl loop thread (connects, failures, bytes) and the decode threads (decoded/rejected frames).
/// Decoded frames that pass the filter go to the sink from here.
final class CameraMonitor: Sendable {
    let camera: Camera
    private let supervisor: Mutex<CameraSupervisor>
    private let filter: Mutex<FrameFilter>
    private let sink: any FrameSink
    private let keepJPEG: Bool
    private let archiver: FrameArchiver?
    /// False after `close()`: decode jobs still queued for a stopped camera must not emit (the CameraWorker
    /// contract: after `stop()` returns no more frames). Held across `submit`, which never blocks.
    private let open = Mutex(true)

    init(camera: Camera, options: IngestOptions, sink: any FrameSink) {
        self.camera = camera
        supervisor = Mutex(CameraSupervisor(camera: camera, backoff: options.backoff,
                                            sustainedSuccess: options.sustainedSuccess))
        filter = Mutex(FrameFilter(settings: options.filter))
        self.sink = sink
        keepJPEG = options.keepJPEG
        archiver = options.archiver
    }

    func health() -> CameraHealth { supervisor.withLock { $0.health } }

    var state: CameraState { supervisor.withLock { $0.state } }

    func succeeded() {
        let old = supervisor.withLock { $0.succeeded(now: Monotonic.now()) }
        if let old { logTransition(from: old) }
    }

    func received(_ bytes: Int) { supervisor.withLock { $0.received(bytes) } }

    func sampled() { supervisor.withLock { $0.sampled() } }

    func rejected(_ reason: RejectReason) {
        let old = supervisor.withLock { $0.rejected(reason) }
        if let old, state != old {
            OperationalLog.notice("ingest", "\(old.rawValue) → \(state.rawValue): \(CameraSupervisor.degradedAfter) sampled "
                                  + "frames in a row rejected (last: \(reason.rawValue))", camera: camera.id)
        }
    }

    /// Returns the seconds to wait before reconnecting.
    func failed(_ error: IngestError) -> Double {
        let r = supervisor.withLock { $0.failed(error, now: Monotonic.now()) }
        if let old = r.previous {
            OperationalLog.warning("ingest", "\(old.rawValue) → \(state.rawValue): \(error.message); retry in "
                                   + "\((r.delay * 10).rounded() / 10) s", camera: camera.id)
        }
        return r.delay
    }

    /// Decode thread: runs the bad-frame filter and delivers what passes; returns whether it was delivered.
    func deliver(_ pixels: DecodedFrame, jpeg: [UInt8], capturedAt: ContinuousClock.Instant, wall: Double,
                 onDrop: (@Sendable () -> Void)? = nil) -> Bool {
        let reason = jpeg.withUnsafeBytes { raw in filter.withLock { $0.check(pixels, jpeg: raw) } }
        if let reason {
            rejected(reason)
            return false
        }
        let old = supervisor.withLock { $0.delivered(wall: wall) }
        if let old { logTransition(from: old) }
        let archived = archiver?.archive(camera: camera.id, jpeg: jpeg, capturedWall: wall)
        return open.withLock { isOpen in
            guard isOpen else { return false }
            sink.submit(Frame(camera: camera.id, capturedAt: capturedAt, capturedWall: wall,
                              jpeg: keepJPEG ? jpeg : nil, pixels: pixels, archivePath: archived, onDrop: onDrop))
            return true
        }
    }

    /// Stops emission; returns once no `submit` for this camera is in progress.
    func close() { open.withLock { $0 = false } }

    private func logTransition(from old: CameraState) {
        let s = state
        guard s != old else { return }
        OperationalLog.notice("ingest", "\(old.rawValue) → \(s.rawValue)", camera: camera.id)
    }
}
