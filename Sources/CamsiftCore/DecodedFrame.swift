/// A frame decoded to the model's input size: interleaved 8-bit RGB, row-major, `width * height * 3` bytes.
public struct DecodedFrame: Sendable {
    public var width: Int
    public var height: Int
    public var rgb: [UInt8]

    public init(width: Int, height: Int, rgb: [UInt8]) {
        precondition(rgb.count == width * height * 3, "rgb must hold width*height*3 bytes")
        self.width = width
        self.height = height
        self.rgb = rgb
    }
}

/// A sampled frame from one camera, on its way from ingest to the classifier.
public struct Frame: Sendable {
    public var camera: String
    /// When the frame was captured (received complete), on the wall clock.
    public var capturedAt: ContinuousClock.Instant
    public var capturedWall: Double
    /// Original JPEG bytes when the source delivered JPEG (archived as-is, never re-encoded).
    public var jpeg: [UInt8]?
    public var pixels: DecodedFrame
    /// Path of the archived copy, when the archiver saved one.
    public var archivePath: String?
    /// Called (once, off any lock) when the pipeline drops this frame unclassified, so the source can send it
    /// again: a snapshot camera forgets its ETag/hash, or a static scene would stay unclassified until the
    /// next forced refresh.
    public var onDrop: (@Sendable () -> Void)?

    public init(camera: String, capturedAt: ContinuousClock.Instant, capturedWall: Double, jpeg: [UInt8]?,
                pixels: DecodedFrame, archivePath: String? = nil, onDrop: (@Sendable () -> Void)? = nil) {
        self.camera = camera
        self.capturedAt = capturedAt
        self.capturedWall = capturedWall
        self.jpeg = jpeg
        self.pixels = pixels
        self.archivePath = archivePath
        self.onDrop = onDrop
    }
}
