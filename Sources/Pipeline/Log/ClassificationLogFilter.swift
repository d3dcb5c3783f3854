import CamsiftCore

/// Which records `camsift tail` shows: all given conditions must hold.
public struct ClassificationLogFilter: Sendable, Equatable {
    /// Camera ids (exact match); empty = every camera.
    public var cameras: Set<String> = []
    /// Top label, compared case-insensitively.
    public var label: String?
    public var minScore: Double?
    /// Per-frame records only, window events only (`kind: "window"`), or both (nil).
    public var kind: Kind?
    /// A tag the record must carry (case-insensitive).
    public var tag: String?

    public enum Kind: String, Sendable, CaseIterable {
        case frame, window
    }

    public init(cameras: Set<String> = [], label: String? = nil, minScore: Double? = nil, kind: Kind? = nil,
                tag: String? = nil) {
        self.tag = tag
        self.cameras = cameras
        self.label = label
        self.minScore = minScore
        self.kind = kind
    }

    public func matches(_ r: ClassificationRecord) -> Bool {
        if !cameras.isEmpty && !cameras.contains(r.camera) { return false }
        if let label, r.label.lowercased() != label.lowercased() { return false }
        if let minScore, !(r.score >= minScore) { return false }
        if let kind, (kind == .window) != r.isWindow { return false }
        if let tag, !(r.tags ?? []).contains(where: { $0.label.lowercased() == tag.lowercased() }) { return false }
        return true
    }
}
