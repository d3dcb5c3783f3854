import Foundation

/// The daemon's JSON config (default `/etc/camsift/camsift.json`). Every field has a default so an empty
/// object `{}` is a valid config; command-line flags override fields after loading.
public struct CamsiftConfig: Codable, Sendable, Equatable {
    public var cameras: String = "/etc/camsift/cameras"
    public var log: String = "/var/log/camsift/classifications.jsonl"
    public var state: String = "/var/lib/camsift"
    public var archive: String = "/var/lib/camsift/archive"
    public var models: String = "/var/lib/camsift/models"
    /// Built-in size rotation of the classification log in bytes; 0 leaves rotation to logrotate.
    public var logMaxBytes: Int = 0
    /// `host:port` of the one HTTP listener serving `/metrics` and the operator console; empty disables both.
    /// The config key is `console` (`metrics`, its older name, is still read).
    public var metrics: String = "127.0.0.1:9464"
    /// A file holding the console's access token; required when the listener is not on loopback.
    public var consoleTokenFile: String = ""
    /// Which classified frames the console's review queue keeps for labelling, and how many.
    public var review = ReviewPolicy()
    /// Model input side in pixels.
    public var inputSize: Int = 224
    /// `crop` (center-crop) or `letterbox`.
    public var fit: String = "crop"
    public var batch: Int = 16
    public var maxWaitMs: Int = 50
    /// Threads for inference + training (OpenBLAS and our kernels); decoders get the rest of the cores.
    public var computeThreads: Int = 1
    /// JPEG decode threads: `defaultDecodeThreads` unless set (see there).
    public var decodeThreads: Int = CamsiftConfig.defaultDecodeThreads
    /// Save sampled frames to `archive/unlabeled/` when true.
    public var archiveFrames: Bool = false
    /// Minimum seconds between two archived frames of one camera.
    public var archiveEvery: Double = 60
    /// Archive retention: total bytes and age in days (0 = unlimited).
    public var archiveMaxBytes: Int = 10 << 30
    public var archiveMaxDays: Double = 30
    /// Change gating: mean absolute difference (0–255) on a 16×16 grey thumbnail below which a frame reuses
    /// the previous result; and the longest a result may be reused, seconds.
    public var gateThreshold: Double = 2.0
    public var maxReuse: Double = 300
    /// Retrain schedule, e.g. `24h`, `30m`; empty disables.
    public var retrainEvery: String = ""
    /// How often the daemon checks whether labels changed and, if so, runs label propagation (`camsift propagate`:
    /// suggestions to the review queue, camera-tag suggestions to `STATE/suggestions/camera-tags.json`), e.g. `10m`;
    /// empty disables the schedule (the console's "Suggest labels" button still works).
    public var propagateAfterLabels: String = ""
    /// EfficientNet top blocks a retrain fine-tunes (level 2); −1 = automatic (2 when the trunk cache fits),
    /// 0 = level 1 only: M0 and M1 then share the whole backbone, so the default M0+M1 pool costs one extra
    /// head per frame instead of a second network.
    public var retrainFineTuneBlocks: Int = -1
    /// Frames between two window events of a camera once its ring of α frames is full (issue 18); windows
    /// overlap by α − `windowStride` frames. Only used when the models directory has a window model.
    public var windowStride: Int = CamsiftConfig.defaultWindowStride
    /// Shard `K/N` (1-based K); empty runs every camera.
    public var shard: String = ""
    /// Label-change events to MQTT and webhooks (see `EventsConfig`); nil publishes nothing.
    public var events: EventsConfig? = nil

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CamsiftConfig()
        cameras = try c.decodeIfPresent(String.self, forKey: .cameras) ?? d.cameras
        log = try c.decodeIfPresent(String.self, forKey: .log) ?? d.log
        state = try c.decodeIfPresent(String.self, forKey: .state) ?? d.state
        archive = try c.decodeIfPresent(String.self, forKey: .archive) ?? d.archive
        models = try c.decodeIfPresent(String.self, forKey: .models) ?? d.models
        logMaxBytes = try c.decodeIfPresent(Int.self, forKey: .logMaxBytes) ?? d.logMaxBytes
        metrics = try c.decodeIfPresent(String.self, forKey: .console)
            ?? c.decodeIfPresent(String.self, forKey: .metrics) ?? d.metrics
        consoleTokenFile = try c.decodeIfPresent(String.self, forKey: .consoleTokenFile) ?? d.consoleTokenFile
        review = try c.decodeIfPresent(ReviewPolicy.self, forKey: .review) ?? d.review
        inputSize = try c.decodeIfPresent(Int.self, forKey: .inputSize) ?? d.inputSize
        fit = try c.decodeIfPresent(String.self, forKey: .fit) ?? d.fit
        batch = try c.decodeIfPresent(Int.self, forKey: .batch) ?? d.batch
        maxWaitMs = try c.decodeIfPresent(Int.self, forKey: .maxWaitMs) ?? d.maxWaitMs
        computeThreads = try c.decodeIfPresent(Int.self, forKey: .computeThreads) ?? d.computeThreads
        decodeThreads = try c.decodeIfPresent(Int.self, forKey: .decodeThreads) ?? d.decodeThreads
        archiveFrames = try c.decodeIfPresent(Bool.self, forKey: .archiveFrames) ?? d.archiveFrames
        archiveEvery = try c.decodeIfPresent(Double.self, forKey: .archiveEvery) ?? d.archiveEvery
        archiveMaxBytes = try c.decodeIfPresent(Int.self, forKey: .archiveMaxBytes) ?? d.archiveMaxBytes
        archiveMaxDays = try c.decodeIfPresent(Double.self, forKey: .archiveMaxDays) ?? d.archiveMaxDays
        gateThreshold = try c.decodeIfPresent(Double.self, forKey: .gateThreshold) ?? d.gateThreshold
        maxReuse = try c.decodeIfPresent(Double.self, forKey: .maxReuse) ?? d.maxReuse
        retrainEvery = try c.decodeIfPresent(String.self, forKey: .retrainEvery) ?? d.retrainEvery
        propagateAfterLabels = try c.decodeIfPresent(String.self, forKey: .propagateAfterLabels) ?? d.propagateAfterLabels
        retrainFineTuneBlocks = try c.decodeIfPresent(Int.self, forKey: .retrainFineTuneBlocks) ?? d.retrainFineTuneBlocks
        windowStride = try c.decodeIfPresent(Int.self, forKey: .windowStride) ?? d.windowStride
        shard = try c.decodeIfPresent(String.self, forKey: .shard) ?? d.shard
        events = try c.decodeIfPresent(EventsConfig.self, forKey: .events) ?? d.events
    }

    enum CodingKeys: String, CodingKey {
        case cameras, log, state, archive, models, logMaxBytes, metrics, inputSize, fit, batch, maxWaitMs
        case computeThreads, decodeThreads, archiveFrames, archiveEvery, archiveMaxBytes, archiveMaxDays
        case gateThreshold, maxReuse, retrainEvery, propagateAfterLabels, retrainFineTuneBlocks, windowStride, shard, console, consoleTokenFile, review
        case events
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cameras, forKey: .cameras)
        try c.encode(log, forKey: .log)
        try c.encode(state, forKey: .state)
        try c.encode(archive, forKey: .archive)
        try c.encode(models, forKey: .models)
        try c.encode(logMaxBytes, forKey: .logMaxBytes)
        try c.encode(metrics, forKey: .console)
        try c.encode(consoleTokenFile, forKey: .consoleTokenFile)
        try c.encode(review, forKey: .review)
        try c.encode(inputSize, forKey: .inputSize)
        try c.encode(fit, forKey: .fit)
        try c.encode(batch, forKey: .batch)
        try c.encode(maxWaitMs, forKey: .maxWaitMs)
        try c.encode(computeThreads, forKey: .computeThreads)
        try c.encode(decodeThreads, forKey: .decodeThreads)
        try c.encode(archiveFrames, forKey: .archiveFrames)
        try c.encode(archiveEvery, forKey: .archiveEvery)
        try c.encode(archiveMaxBytes, forKey: .archiveMaxBytes)
        try c.encode(archiveMaxDays, forKey: .archiveMaxDays)
        try c.encode(gateThreshold, forKey: .gateThreshold)
        try c.encode(maxReuse, forKey: .maxReuse)
        try c.encode(retrainEvery, forKey: .retrainEvery)
        try c.encode(propagateAfterLabels, forKey: .propagateAfterLabels)
        try c.encode(retrainFineTuneBlocks, forKey: .retrainFineTuneBlocks)
        try c.encode(windowStride, forKey: .windowStride)
        try c.encode(shard, forKey: .shard)
        try c.encodeIfPresent(events, forKey: .events)
    }
}

extension CamsiftConfig {
    /// Two decode threads on a box with two or more cores, one on a single core. A decode thread is busy only in
    /// proportion to the frames that arrive (it sleeps on an empty queue), so a second one costs nothing on a
    /// quiet box, and at 10,000 cameras per 10 s one thread was not enough on a slower 2-core box (bench/RESULTS.md,
    /// ingest: queue ~950 and drops with 1 thread, 1,000 frames/s and no drop with 2). More than two pays only
    /// beyond ~2,000 frames/s; set `decodeThreads` then.
    /// A window event every 10 frames: with α = 40 a change is reported within 10 frames of entering the ring,
    /// and the window model runs on a tenth of the frames (its cost is ~1 % of a frame's CNN pass, bench-temporal).
    public static let defaultWindowStride = 10

    public static var defaultDecodeThreads: Int { min(2, max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    /// The accepted ranges of the config's numeric fields, defined once: the config file's checks
    /// (Registry's `ConfigFile`) and the components the fields feed (e.g. Ingest's `IngestOptions.validate`)
    /// use these, so a value the config accepts is never rejected later at start-up, and vice versa.
    public enum Limits {
        /// Model input side, pixels. Small trained models take 28 px; JPEG decoding allows far more.
        public static let inputSize: ClosedRange<Int> = 16...4096
        /// Frames per inference batch.
        public static let batch: ClosedRange<Int> = 1...1024
        /// JPEG decode threads.
        public static let decodeThreads: ClosedRange<Int> = 1...64
        /// Inference and training threads.
        public static let computeThreads: PartialRangeFrom<Int> = 1...
        /// EfficientNet-Lite0 top blocks a retrain fine-tunes: −1 automatic, 0 level 1 only, up to all 16.
        public static let retrainFineTuneBlocks: ClosedRange<Int> = -1...16
        /// Frames between window events.
        public static let windowStride: ClosedRange<Int> = 1...10_000
        /// Milliseconds the batcher waits for a full batch; 0 sends every frame at once.
        public static let maxWaitMs: PartialRangeFrom<Int> = 0...
    }
}
