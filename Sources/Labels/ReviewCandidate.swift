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
    /// Set for a label suggestion (`ReviewQueue.suggest`); nil for a classified frame.
    public var suggestion: ReviewSuggestion?

    public init(camera: String, capturedWall: Double, jpeg: [UInt8]?, label: String, score: Double,
                m0: String? = nil, m1: String? = nil, top: [ReviewScore] = [], model: String = "",
                suggestion: ReviewSuggestion? = nil) {
        self.suggestion = suggestion
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
    /// Set when the item is a label suggestion (`reasons` contains `.suggested`); optional, so JSON written before
    /// suggestions existed still decodes.
    public var suggestion: ReviewSuggestion?
}

/// Where a suggested label came from: propagation over the frame graph (`camsift propagate`, issue 21).
public struct ReviewSuggestion: Sendable, Codable, Equatable {
    /// The archived frame (absolute path) the suggestion is for; the same frame is never suggested twice.
    public var origin: String
    /// The propagation iteration in which the frame was first reached (hops from the nearest labelled frame).
    public var iteration: Int
    public init(origin: String, iteration: Int) {
        self.origin = origin
        self.iteration = iteration
    }
}
