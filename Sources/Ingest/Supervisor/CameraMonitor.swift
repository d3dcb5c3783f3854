import CamsiftCore
import Media
import Synchronization

/// The thread-safe side of one camera of any kind: its supervisor (health, state transitions, reconnect
/// counting, stepped backoff), its bad-frame filter and reject accounting, delivery to the sink and archiving.
/// This is the only place those happen, so an RTMP camera and an MJPEG camera go through the same states,
/// backoff, filter and archive.
///
/// What differs per kind is only how a source reaches it, and that follows from scale:
/// - HTTP cameras (`mjpeg`, `snapshot`) are callbacks on the one curl-multi loop thread: at 10,000 cameras a
///   thread each is not an option. The loop thread reports connects, bytes and failures here, and the decode
///   threads report decoded or rejected frames; a worker's `retry` schedules the reconnect on the loop timer.
/// - FFmpeg cameras (`rtmp`, `stream`) have a blocking `run()` (`BlockingSource`) on a dedicated thread,
///   because libavformat's open and read calls block; `SourceLoop` reruns it after the delay `failed` returns.
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

    /// The camera's recent state changes, oldest first (bounded; see `CameraSupervisor.historyLimit`).
    func transitions() -> [CameraTransition] { supervisor.withLock { $0.transitions } }

    /// The source works: a complete JPEG (HTTP) or a decoded sample (stream) arrived.
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

    /// Records a failure (counts the reconnect, keeps the error, escalates permanent ones); returns the
    /// seconds to wait before reconnecting.
    func failed(_ error: IngestError) -> Double {
        let r = supervisor.withLock { $0.failed(error, now: Monotonic.now()) }
        if let old = r.previous {
            OperationalLog.warning("ingest", "\(old.rawValue) → \(state.rawValue): \(error.message); retry in "
                                   + "\((r.delay * 10).rounded() / 10) s", camera: camera.id)
        }
        return r.delay
    }

    /// Runs the bad-frame filter on a decoded frame and delivers what passes; returns whether it was delivered.
    ///
    /// `jpeg` is the camera's original bytes when it sent JPEG (HTTP): archived as-is and, with `keepJPEG`,
    /// handed on with the frame. Sources without them (streams) pass nil and `encodeForArchive`, which is
    /// called only when the archiver's rate limit says this frame is due (an encode costs more than a decode).
    ///
    /// A camera with a `region` passes the region's JPEG (`RegionFrame`: cut out once, re-encoded once) as
    /// `jpeg`, for every source kind: `pixels` were decoded from exactly those bytes, so the archive and
    /// `Frame.jpeg` (what the console's review queue saves for labelling) hold what the model saw, and
    /// `camsift train`/`eval` decode the same model input from them.
    func deliver(_ pixels: DecodedFrame, jpeg: [UInt8]?, capturedAt: ContinuousClock.Instant, wall: Double,
                 onDrop: (@Sendable () -> Void)? = nil, encodeForArchive: () -> [UInt8]? = { nil }) -> Bool {
        let reason = filter.withLock { f in
            if let jpeg { jpeg.withUnsafeBytes { f.check(pixels, jpeg: $0) } } else { f.check(pixels, jpeg: nil) }
        }
        if let reason {
            rejected(reason)
            return false
        }
        let old = supervisor.withLock { $0.delivered(wall: wall) }
        if let old { logTransition(from: old) }
        // A stream has no camera JPEG: with `keepJPEG` (what `camsift grab` saves, what a viewer shows) its full-
        // resolution frame is encoded once per sampled frame, and the archive takes the same bytes.
        let kept: [UInt8]? = keepJPEG ? jpeg ?? encodeForArchive() : nil
        let archived = archive(jpeg ?? kept, wall: wall, encode: encodeForArchive)
        return open.withLock { isOpen in
            guard isOpen else { return false }
            sink.submit(Frame(camera: camera.id, capturedAt: capturedAt, capturedWall: wall,
                              jpeg: kept, pixels: pixels, archivePath: archived, onDrop: onDrop))
            return true
        }
    }

    /// Stops emission; returns once no `submit` for this camera is in progress.
    func close() { open.withLock { $0 = false } }

    private func archive(_ jpeg: [UInt8]?, wall: Double, encode: () -> [UInt8]?) -> String? {
        guard let archiver else { return nil }
        if let jpeg { return archiver.archive(camera: camera.id, jpeg: jpeg, capturedWall: wall) }
        guard archiver.isDue(camera: camera.id, capturedWall: wall), let encoded = encode() else { return nil }
        return archiver.archive(camera: camera.id, jpeg: encoded, capturedWall: wall)
    }

    private func logTransition(from old: CameraState) {
        let s = state
        guard s != old else { return }
        OperationalLog.notice("ingest", "\(old.rawValue) → \(s.rawValue)", camera: camera.id)
    }
}
