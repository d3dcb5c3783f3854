/// Per-camera hysteresis on the classified label (as Frigate's state classification does): a new label
/// counts only once `confirm` consecutive classified frames agree on it; flicker shorter than that publishes
/// nothing.
///
/// Reused frames (change gating kept the previous result) are classified frames with the same label and
/// count like any other. A camera's first confirmed label is an event with `previous == nil`. Memory is one
/// small entry per camera, at most `maxCameras` (the least recently seen are forgotten beyond that, e.g.
/// cameras removed by reloads).
public struct LabelHysteresis: Sendable {
    public let confirm: Int
    public let maxCameras: Int

    struct State {
        var confirmed: String?
        var candidate: String?
        var count = 0
        var lastSeen: UInt64 = 0
    }

    private var cameras: [String: State] = [:]
    private var tick: UInt64 = 0

    public init(confirm: Int = 3, maxCameras: Int = 100_000) {
        precondition(confirm >= 1 && maxCameras >= 1)
        self.confirm = confirm
        self.maxCameras = maxCameras
    }

    public var count: Int { cameras.count }

    /// The camera's confirmed label, if any.
    public func confirmed(camera: String) -> String? { cameras[camera]?.confirmed }

    /// Feeds one classified frame; returns the event when it confirms a change.
    public mutating func observe(camera: String, label: String, score: Double, ts: String, model: String) -> LabelEvent? {
        tick &+= 1
        var s = cameras[camera] ?? State()
        s.lastSeen = tick
        var event: LabelEvent?
        if label == s.confirmed {
            s.candidate = nil
            s.count = 0
        } else {
            if label == s.candidate { s.count += 1 } else { s.candidate = label; s.count = 1 }
            if s.count >= confirm {
                event = LabelEvent(camera: camera, label: label, score: score, previous: s.confirmed, ts: ts, model: model)
                s.confirmed = label
                s.candidate = nil
                s.count = 0
            }
        }
        let isNew = cameras.updateValue(s, forKey: camera) == nil
        if isNew, cameras.count > maxCameras { evict() }
        return event
    }

    /// Forgets a camera (e.g. removed from the registry).
    public mutating func forget(camera: String) { cameras[camera] = nil }

    /// Drops the least recently seen eighth (at least one), so eviction is rare and amortised.
    private mutating func evict() {
        let n = max(1, cameras.count - maxCameras + maxCameras / 8)
        let oldest = cameras.sorted { $0.value.lastSeen < $1.value.lastSeen }.prefix(n)
        for (k, _) in oldest { cameras[k] = nil }
    }
}
