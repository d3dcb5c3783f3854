import CamsiftCore
import Media

/// Knobs shared by every ingest worker of one process. Defaults fit 10,000 HTTP cameras on a 2-core box.
public struct IngestOptions: Sendable {
    /// What every sampled frame is decoded to: the serving model's input geometry (size, fit, crop fraction),
    /// shared with the pipeline so a hot-swapped bundle with another geometry takes effect from the next frame.
    public var geometry = ServingGeometry(InputGeometry(size: 224))
    /// Model input side: decoded frames are `inputSize`×`inputSize` RGB. Setting it (or `fit`) gives these
    /// options a geometry of their own, detached from any shared one.
    public var inputSize: Int {
        get { geometry.current.size }
        set { var g = geometry.current; g.size = newValue; geometry = ServingGeometry(g) }
    }
    public var fit: FitMode {
        get { geometry.current.fit }
        set { var g = geometry.current; g.fit = newValue; geometry = ServingGeometry(g) }
    }
    /// Threads decoding sampled JPEGs (TurboJPEG with DCT scaling); the config's default (two on two or more cores).
    public var decodeThreads: Int = CamsiftConfig.defaultDecodeThreads
    /// Decode jobs waiting beyond this are dropped oldest-first (live frames: fresher is better) and counted.
    public var decodeQueueCapacity: Int = 256
    /// Largest JPEG part accepted; bigger parts are skipped without buffering and counted `oversized`.
    public var maxPartBytes: Int = 8 << 20
    /// TCP + TLS connect timeout, seconds.
    public var connectTimeout: Double = 5
    /// A transfer slower than `lowSpeedLimit` bytes/s for `lowSpeedTime` s is aborted (slow drip, stall).
    public var lowSpeedLimit: Int = 64
    public var lowSpeedTime: Double = 10
    /// Streams: abort when no complete JPEG arrived for this long although bytes flow (garbage, wrong content).
    /// The camera's own `timeout` is used when it is longer.
    public var noFrameTimeout: Double = 10
    /// Snapshots: fraction of the interval used to spread polls (jitter) so cameras never fire in lock-step.
    public var pollJitter: Double = 0.1
    /// Snapshots: an unchanged image (304 or same hash) is skipped, but at least once per this many seconds it is
    /// fetched and delivered anyway, so a static scene is re-classified (issue 6's `maxReuse`) and a frame lost
    /// downstream (a full queue) is made good. 0 = never.
    public var refreshUnchanged: Double = 300
    /// Seconds a camera must keep delivering before its backoff resets (go2rtc/mediamtx style).
    public var sustainedSuccess: Double = 30
    /// Idle keep-alive connections libcurl keeps for reuse across cameras of the same host (aggregators).
    public var maxCachedConnections: Int = 512
    /// libcurl receive buffer per active transfer, bytes (memory per camera matters at 10,000 cameras).
    public var receiveBufferBytes: Int = 16 << 10
    /// `host:port:address` entries handed to CURLOPT_RESOLVE (tests map names without any DNS query).
    public var resolve: [String] = []
    /// Backoff steps used by every camera's supervisor.
    public var backoff: Backoff = Backoff()
    /// Frame filter settings (uniform/frozen/placeholder) handed to Media's `FrameFilter`.
    public var filter: FrameFilter.Settings = FrameFilter.Settings()
    /// Saves delivered frames under `ARCHIVE/unlabeled/...` (rate-limited per camera, retention by size/age):
    /// HTTP cameras' original JPEG bytes, stream cameras' frames encoded at source resolution; nil disables it.
    public var archiver: FrameArchiver?
    /// Deliver each frame's JPEG with it (`Frame.jpeg`, which `camsift grab` saves): an HTTP camera's original
    /// bytes, a stream frame encoded at source resolution. Off by default — the daemon's frame path reads only
    /// the pixels, and the archive does not depend on it — so no copy (or encode) is made that nobody reads.
    public var keepJPEG: Bool = false

    public init() {}

    /// Throws a message that names the field and the accepted range.
    public func validate() throws {
        func bad(_ field: String, _ why: String) -> IngestError {
            IngestError(.invalidOptions, "ingest option '\(field)' \(why)")
        }
        if !CamsiftConfig.Limits.inputSize.contains(inputSize) {
            throw bad("inputSize", "must be \(CamsiftConfig.Limits.inputSize) (got \(inputSize))")
        }
        if !CamsiftConfig.Limits.decodeThreads.contains(decodeThreads) {
            throw bad("decodeThreads", "must be \(CamsiftConfig.Limits.decodeThreads) (got \(decodeThreads))")
        }
        if decodeQueueCapacity < 1 { throw bad("decodeQueueCapacity", "must be at least 1") }
        if maxPartBytes < 1024 { throw bad("maxPartBytes", "must be at least 1024 bytes (got \(maxPartBytes))") }
        if !(connectTimeout > 0) { throw bad("connectTimeout", "must be > 0 seconds") }
        if lowSpeedLimit < 0 || !(lowSpeedTime > 0) { throw bad("lowSpeedLimit/lowSpeedTime", "must be >= 0 and > 0") }
        if !(pollJitter >= 0 && pollJitter <= 1) { throw bad("pollJitter", "must be 0...1 (got \(pollJitter))") }
    }
}

