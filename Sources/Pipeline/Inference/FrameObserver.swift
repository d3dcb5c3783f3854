import CamsiftCore

/// Something that watches every frame the inference thread logs: the console's live view and review queue.
///
/// Called on the inference thread after the record is written, once per record (classified or reused), so an
/// observer must return at once: keep what it needs in memory and hand any I/O to its own thread through a
/// bounded queue. `roles` holds each served model's own top label (`M0`, `M1`) for a freshly classified frame
/// of a pooled bundle, and is empty for reused results and single models.
public protocol FrameObserver: Sendable {
    func observe(_ frame: Frame, record: ClassificationRecord, roles: [String: String])
}

/// Several observers behind the engine's one `setObserver` slot (e.g. the console and the event publisher):
/// calls each in order, on the inference thread, so each must return at once as well.
public struct FrameObservers: FrameObserver {
    public var observers: [any FrameObserver]

    public init(_ observers: [any FrameObserver]) { self.observers = observers }

    public func observe(_ frame: Frame, record: ClassificationRecord, roles: [String: String]) {
        for o in observers { o.observe(frame, record: record, roles: roles) }
    }
}
