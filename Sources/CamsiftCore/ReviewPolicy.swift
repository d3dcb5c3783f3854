/// Which classified frames go to the review queue, and how many. Every rule and cap is a plain field with a
/// default, so the console can show the rules as they are and the operator can tune them.
public struct ReviewPolicy: Codable, Sendable, Equatable {
    /// Queue a frame whose top score is below this (the model is unsure).
    public var scoreBelow: Double = 0.5
    /// Queue a frame on which M0 and M1 pick different top labels.
    public var disagreement: Bool = true
    /// Queue a frame whose label differs from the camera's most frequent label over its last `historyLength`
    /// classified frames (a scene change, or a flicker worth a look).
    public var labelChange: Bool = true
    public var historyLength: Int = 10
    /// Also queue this fraction of all frames at random, so the queue is not only hard cases (and the labelled
    /// set keeps the ordinary frames that define "normal").
    public var randomRate: Double = 0.01
    /// At most this many queued frames per camera per clock hour (one noisy camera cannot fill the queue).
    public var perCameraPerHour: Int = 20
    /// At most this many queued frames per clock hour in all.
    public var perHour: Int = 600
    /// No new frames while this many are pending (the operator is behind; more would only expire).
    public var maxPending: Int = 5000
    /// Pending frames older than this are dropped by `ReviewQueue.expire`.
    public var expireDays: Double = 7

    public init() {}

    public init(from decoder: any Decoder) throws {
        // Every field optional in JSON: a saved policy from an older version keeps the new defaults.
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ReviewPolicy()
        scoreBelow = try c.decodeIfPresent(Double.self, forKey: .scoreBelow) ?? d.scoreBelow
        disagreement = try c.decodeIfPresent(Bool.self, forKey: .disagreement) ?? d.disagreement
        labelChange = try c.decodeIfPresent(Bool.self, forKey: .labelChange) ?? d.labelChange
        historyLength = try c.decodeIfPresent(Int.self, forKey: .historyLength) ?? d.historyLength
        randomRate = try c.decodeIfPresent(Double.self, forKey: .randomRate) ?? d.randomRate
        perCameraPerHour = try c.decodeIfPresent(Int.self, forKey: .perCameraPerHour) ?? d.perCameraPerHour
        perHour = try c.decodeIfPresent(Int.self, forKey: .perHour) ?? d.perHour
        maxPending = try c.decodeIfPresent(Int.self, forKey: .maxPending) ?? d.maxPending
        expireDays = try c.decodeIfPresent(Double.self, forKey: .expireDays) ?? d.expireDays
    }
}
