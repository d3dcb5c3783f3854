import CamsiftCore

/// Process-wide ingest settings (from `CamsiftConfig`). Minimal version from the `media` branch; the
/// `ingest` branch owns this file and extends it.
public struct IngestOptions: Sendable {
    /// Model input side in pixels.
    public var inputSize = 224
    public var fit: FitMode = .crop
    public var decodeThreads = 1
    /// Seconds to connect and probe a stream before giving up.
    public var openTimeout = 5.0
    /// Seconds without data before a connection counts as stalled (cameras may override with `timeout`).
    public var readTimeout = 10.0

    public init() {}
}
