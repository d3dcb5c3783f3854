import CamsiftCore

/// The per-camera state machine: starting → online ⇄ degraded, any → backoff → (retry) → …, permanent
/// answers or long outages → offline (slow retries), `enabled: false` → disabled.
///
/// One state machine for every kind (HTTP workers and `SourceLoop` both reach it through `CameraMonitor`).
/// After mediamtx's static-source handler and go2rtc's stepped retry: a failure waits `Backoff.next()`;
/// permanent answers (`IngestError.isPermanent`: HTTP 401/403/404/410, redirect loops, a stream that is not
/// found or refuses the credentials) jump to the slowest step at once (`Backoff.escalate`); the backoff only
/// resets after the camera delivered for `sustainedSuccess` seconds, so a camera that flaps every few seconds
/// does not get fast retries forever.
struct CameraSupervisor {
    private(set) var health: CameraHealth
    private var backoff: Backoff
    private let sustainedSuccess: Double
    /// Monotonic time the current run of successes began.
    private var successSince: Double?
    /// Consecutive sampled frames rejected by the filter/decoder; 3 in a row mark the camera degraded.
    private var rejectStreak = 0
    static let degradedAfter = 3
    /// The last `historyLimit` state changes, oldest first: what an operator (and a test) needs to see a
    /// transient state such as `backoff` that a poll of `health` can miss on a busy box.
    private(set) var transitions: [CameraTransition] = []
    static let historyLimit = 16

    init(camera: Camera, backoff: Backoff, sustainedSuccess: Double) {
        health = CameraHealth(id: camera.id, kind: camera.kind, state: camera.enabled ? .starting : .disabled)
        self.backoff = backoff
        self.sustainedSuccess = sustainedSuccess
    }

    var state: CameraState { health.state }

    /// A response or stream was accepted (HTTP 2xx/304). Returns the previous state when it changed.
    mutating func succeeded(now: Double) -> CameraState? {
        if successSince == nil { successSince = now }
        if let s = successSince, now - s >= sustainedSuccess { backoff.reset() }
        if health.state == .backoff || health.state == .offline || health.state == .starting {
            return transition(to: rejectStreak >= Self.degradedAfter ? .degraded : .online)
        }
        return nil
    }

    mutating func delivered(wall: Double) -> CameraState? {
        health.framesDelivered += 1
        health.lastFrameAt = wall
        rejectStreak = 0
        return health.state == .online ? nil : transition(to: .online)
    }

    /// Counts the rejection by reason. An unchanged snapshot (`duplicate`: 304 or the same bytes) is counted but
    /// is not a fault: most public cameras are static scenes, and they would otherwise all show as degraded
    /// (found by the soak bench). Frozen *streams* are caught by the filter's `frozen` reason instead.
    mutating func rejected(_ reason: RejectReason) -> CameraState? {
        health.rejects[reason.rawValue, default: 0] += 1
        guard reason != .duplicate else { return nil }
        rejectStreak += 1
        if rejectStreak >= Self.degradedAfter && health.state == .online { return transition(to: .degraded) }
        return nil
    }

    mutating func sampled() { health.framesSampled += 1 }

    mutating func received(_ bytes: Int) { health.bytesReceived += bytes }

    /// Records a failure; returns the delay before the next attempt and the previous state if it changed.
    mutating func failed(_ error: IngestError, now: Double) -> (delay: Double, previous: CameraState?) {
        successSince = nil
        health.reconnects += 1
        health.lastError = error.description
        if error.isPermanent { backoff.escalate() }
        let delay = backoff.next()
        let next: CameraState = error.isPermanent || backoff.baseDelay >= backoff.final ? .offline : .backoff
        return (delay, next == health.state ? nil : transition(to: next))
    }

    private mutating func transition(to s: CameraState) -> CameraState {
        let old = health.state
        health.state = s
        if transitions.count == Self.historyLimit { transitions.removeFirst() }
        transitions.append(CameraTransition(from: old, to: s, reconnects: health.reconnects, wall: Timestamp.now()))
        return old
    }
}

/// One state change of a camera, with the reconnect count at that moment.
public struct CameraTransition: Sendable, Equatable {
    public let from: CameraState
    public let to: CameraState
    public let reconnects: Int
    /// Wall-clock seconds since the epoch.
    public let wall: Double
}
