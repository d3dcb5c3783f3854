/// The daemon's view of one running camera. Ingest implements it (one per camera, however the work is
/// scheduled underneath: a curl-multi registration or a dedicated FFmpeg thread).
///
/// Worker identity is how reloads are checked: a reload that leaves a camera's definition unchanged keeps the
/// very same worker object (`ObjectIdentifier`) running.
public protocol CameraWorker: AnyObject, Sendable {
    var camera: Camera { get }
    /// Begin ingest; returns at once.
    func start()
    /// Stop ingest and release connections; returns once no more frames will be emitted.
    func stop() async
    func health() -> CameraHealth
}

/// Creates workers; the daemon owns one factory for the process (it holds the shared curl-multi loop, the
/// decode pool and the sink).
public protocol CameraWorkerFactory: Sendable {
    func makeWorker(for camera: Camera) -> any CameraWorker
    /// Stop shared loops/threads after every worker stopped.
    func shutdown() async
}

/// Where ingest delivers decoded, filtered frames. Implementations must not block: the pipeline's batcher
/// enqueues with a drop-oldest policy and counts drops.
public protocol FrameSink: Sendable {
    func submit(_ frame: Frame)
}
