import CamsiftCore

/// What one probed URL turned out to be.
public struct ProbeResult: Sendable {
    public var url: String
    public var brand: String
    /// HTTP status of the final response (0 when none arrived).
    public var status: Int
    public var contentType: String?
    /// Detected from the content type and confirmed by a frame that decodes; nil when not a camera.
    public var kind: CameraKind?
    /// Source size of the decoded frame.
    public var width = 0
    public var height = 0
    public var error: String?

    public var found: Bool { kind != nil }
}
