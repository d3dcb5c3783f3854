import CamsiftCore
import Synchronization

/// Change gating (issue 6): most public cameras watch static scenes, so a frame nearly identical to the
/// camera's last *classified* frame reuses that result instead of running the CNN. A result is reused for at
/// most `maxReuse` seconds, after which the camera is re-classified even if nothing moved (lighting drifts,
/// models change).
///
/// The comparison is against the last classified frame, not the previous frame, so slow drift accumulates
/// and eventually crosses the threshold.
public final class ChangeGate: Sendable {
    public struct Settings: Sendable {
        /// Mean absolute difference (0–255) on the 16×16 grey thumbnail below which a frame is "unchanged".
        public var threshold: Double
        /// Longest a result may be reused, seconds.
        public var maxReuse: Double
        public init(threshold: Double = 2.0, maxReuse: Double = 300) {
            self.threshold = threshold
            self.maxReuse = maxReuse
        }
    }

    public enum Decision: Sendable {
        case classify
        /// Reuse this earlier record (the caller re-stamps time and latency and marks it reused).
        case reuse(ClassificationRecord)
    }

    private struct Entry: Sendable {
        var thumbnail: Thumbnail
        var record: ClassificationRecord
        var classifiedAt: Double
        var modelVersion: String
    }

    public let settings: Settings
    private let entries = Mutex<[String: Entry]>([:])

    public init(settings: Settings = .init()) { self.settings = settings }

    /// Decides for one frame. `now` is wall-clock seconds; `modelVersion` invalidates results of older models.
    public func decide(_ frame: Frame, now: Double, modelVersion: String) -> Decision {
        guard settings.threshold > 0, let e = entries.withLock({ $0[frame.camera] }) else { return .classify }
        if e.modelVersion != modelVersion || now - e.classifiedAt >= settings.maxReuse { return .classify }
        let thumb = Thumbnail(frame.pixels)
        return thumb.meanAbsoluteDifference(e.thumbnail) < settings.threshold ? .reuse(e.record) : .classify
    }

    /// Records a fresh classification as the camera's new reference.
    public func remember(_ frame: Frame, record: ClassificationRecord, now: Double, modelVersion: String) {
        let entry = Entry(thumbnail: Thumbnail(frame.pixels), record: record, classifiedAt: now, modelVersion: modelVersion)
        entries.withLock { $0[frame.camera] = entry }
    }

    /// Drops a camera's reference (camera removed or restarted).
    public func forget(camera: String) {
        _ = entries.withLock { $0.removeValue(forKey: camera) }
    }
}
