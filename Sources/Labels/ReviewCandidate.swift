/// A classified frame offered to the review queue (`ReviewQueue.offer`), one per frame on the inference thread.
/// The JPEG is the camera's original bytes; it is retained (not copied) when the frame is accepted.
public struct ReviewCandidate: Sendable {
    public var camera: String
    /// Capture time, seconds since the epoch (also drives the hourly caps and expiry).
    public var capturedWall: Double
    public var jpeg: [UInt8]?
    /// The served (fused) label and its score.
    public var label: String
    public var score: Double
    /// The top labels of M0 and M1 when both ran.
    public var m0: String?
    public var m1: String?
    public var top: [ReviewScore]
    public var model: String

    public init(camera: String, capturedWall: Double, jpeg: [UInt8]?, label: String, score: Double,
                m0: String? = nil, m1: String? = nil, top: [ReviewScore] = [], model: String = "") {
        self.camera = camera
        self.capturedWall = capturedWall
        self.jpeg = jpeg
        self.label = label
        self.score = score
        self.m0 = m0
        self.m1 = m1
        self.top = top
        self.model = model
    }
}

/// A queued frame as the console lists it.
public struct ReviewItem: Sendable, Codable, Equatable {
    public var id: ReviewItemID
    public var camera: String
    public var capturedWall: Double
    public var label: String
    public var score: Double
    public var m0: String?
    public var m1: String?
    public var top: [ReviewScore]
    public var model: String
    public var reasons: ReviewReason
    public var status: ReviewStatus
}
