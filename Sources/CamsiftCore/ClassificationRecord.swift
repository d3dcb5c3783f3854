/// One line of the classification log (JSON Lines). Field names are the log's public format; see README.
public struct ClassificationRecord: Codable, Sendable, Equatable {
    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-23T05:00:00.123Z`.
    public var ts: String
    public var camera: String
    public var label: String
    public var score: Double
    /// Model version (bundle checksum prefix or name).
    public var model: String
    /// `M0`, `M1`, `fused`, or `single` for a one-model bundle.
    public var via: String
    public var top: [LabelScore]
    /// Capture → log, milliseconds.
    public var latency_ms: Double
    /// True when change gating reused the previous result for a near-identical frame.
    public var reused: Bool?
    /// Archived original frame, when the archiver saved it.
    public var frame: String?
    /// `"window"` for a window event (a window model's verdict on a camera's last `frames` frames, issue 18);
    /// absent for the per-frame records that make up almost all of the log.
    public var kind: String?
    /// Capture times of a window's first and last frame (RFC 3339, like `ts`, which equals `end`).
    public var start: String?
    public var end: String?
    /// Frames in a window (α).
    public var frames: Int?
    /// The frame's tags (issue 19), best first, when a tags model is served: `[["snow", 0.91], …]`.
    public var tags: [LabelScore]?

    /// Whether this line is a window event rather than one frame's classification.
    public var isWindow: Bool { kind == "window" }

    public struct LabelScore: Codable, Sendable, Equatable {
        public var label: String
        public var score: Double
        public init(label: String, score: Double) {
            self.label = label
            self.score = score
        }
        // Encoded as a two-element array `[label, score]` to keep log lines short.
        public init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            label = try c.decode(String.self)
            score = try c.decode(Double.self)
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.unkeyedContainer()
            try c.encode(label)
            try c.encode(score)
        }
    }

    public init(ts: String, camera: String, label: String, score: Double, model: String, via: String,
                top: [LabelScore], latency_ms: Double, reused: Bool? = nil, frame: String? = nil) {
        self.ts = ts
        self.camera = camera
        self.label = label
        self.score = score
        self.model = model
        self.via = via
        self.top = top
        self.latency_ms = latency_ms
        self.reused = reused
        self.frame = frame
    }
}
