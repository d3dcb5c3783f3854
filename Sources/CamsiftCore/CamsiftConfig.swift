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
    /// `host:port` of the Prometheus endpoint; empty disables it.
    public var metrics: String = "127.0.0.1:9464"
    /// Model input side in pixels.
    public var inputSize: Int = 224
    /// `crop` (center-crop) or `letterbox`.
    public var fit: String = "crop"
    public var batch: Int = 16
    public var maxWaitMs: Int = 50
    /// Threads for inference + training (OpenBLAS and our kernels); decoders get the rest of the cores.
    public var computeThreads: Int = 1
    public var decodeThreads: Int = 1
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
    /// EfficientNet top blocks a retrain fine-tunes (level 2); −1 = automatic (2 when the trunk cache fits),
    /// 0 = level 1 only: M0 and M1 then share the whole backbone, so the default M0+M1 pool costs one extra
    /// head per frame instead of a second network.
    public var retrainFineTuneBlocks: Int = -1
    /// Shard `K/N` (1-based K); empty runs every camera.
    public var shard: String = ""

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
        metrics = try c.decodeIfPresent(String.self, forKey: .metrics) ?? d.metrics
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
        retrainFineTuneBlocks = try c.decodeIfPresent(Int.self, forKey: .retrainFineTuneBlocks) ?? d.retrainFineTuneBlocks
        shard = try c.decodeIfPresent(String.self, forKey: .shard) ?? d.shard
    }

    public static let knownKeys: Set<String> = Set(CodingKeys.allCases.map(\.rawValue))

    enum CodingKeys: String, CodingKey, CaseIterable {
        case cameras, log, state, archive, models, logMaxBytes, metrics, inputSize, fit, batch, maxWaitMs
        case computeThreads, decodeThreads, archiveFrames, archiveEvery, archiveMaxBytes, archiveMaxDays
        case gateThreshold, maxReuse, retrainEvery, retrainFineTuneBlocks, shard
    }
}
