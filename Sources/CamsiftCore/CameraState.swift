/// A camera's health as the ingest supervisor sees it.
public enum CameraState: String, Codable, Sendable, CaseIterable {
    /// Worker created, first connection in progress.
    case starting
    /// Delivering frames.
    case online
    /// Connected but frames are being rejected (black, frozen, undecodable) or arrive late.
    case degraded
    /// Failed; waiting before the next attempt (stepped backoff with jitter).
    case backoff
    /// Failed for long or with a permanent answer (401/403/404); retried slowly.
    case offline
    /// `enabled: false` in the registry.
    case disabled
}

/// Why a sampled frame did not reach the classifier. Counted per camera.
public enum RejectReason: String, Codable, Sendable, CaseIterable {
    case undecodable, truncated, uniform, frozen, placeholder, oversized, duplicate
}

/// Per-camera health snapshot, shown by `camsift cameras` and exported on /metrics.
public struct CameraHealth: Codable, Sendable, Equatable {
    public var id: String
    public var kind: CameraKind
    public var state: CameraState
    public var framesSampled: Int = 0
    public var framesDelivered: Int = 0
    public var bytesReceived: Int = 0
    public var reconnects: Int = 0
    public var rejects: [String: Int] = [:]
    public var lastError: String?
    /// Unix seconds of the last delivered frame.
    public var lastFrameAt: Double?
    /// The aggregator the registry defines this camera in, if any (filled by the fleet).
    public var aggregator: String?

    public init(id: String, kind: CameraKind, state: CameraState) {
        self.id = id
        self.kind = kind
        self.state = state
    }
}
