import CamsiftCore

/// Which records `camsift tail` shows: all given conditions must hold.
public struct ClassificationLogFilter: Sendable, Equatable {
    /// Camera ids (exact match); empty = every camera.
    public var cameras: Set<String> = []
    /// Top label, compared case-insensitively.
    public var label: String?
    public var minScore: Double?

    public init(cameras: Set<String> = [], label: String? = nil, minScore: Double? = nil) {
        self.cameras = cameras
        self.label = label
        self.minScore = minScore
    }

    public func matches(_ r: ClassificationRecord) -> Bool {
        if !cameras.isEmpty && !cameras.contains(r.camera) { return false }
        if let label, r.label.lowercased() != label.lowercased() { return false }
        if let minScore, !(r.score >= minScore) { return false }
        return true
    }
}
