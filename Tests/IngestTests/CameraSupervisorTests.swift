import CamsiftCore
import Testing
@testable import Ingest

/// The per-camera state machine, driven directly: which answers park a camera, when backoff resets, when
/// rejected frames degrade it.
@Suite struct CameraSupervisorTests {
    static let camera = Camera(id: "c", kind: .mjpeg, url: "http://127.0.0.1:1/x", interval: 1)
    static func fast() -> Backoff { Backoff(steps: [.init(delay: 1, count: 2)], final: 60, jitter: 0) }

    @Test func permanentAnswersParkOfflineOnTheSlowestStep() {
        var s = CameraSupervisor(camera: Self.camera, backoff: Self.fast(), sustainedSuccess: 30)
        #expect(s.state == .starting)
        for status in [401, 403, 404] {
            let r = s.failed(IngestError(.http, "HTTP \(status)", httpStatus: status), now: 0)
            #expect(r.delay == 60)
            #expect(s.state == .offline)
        }
    }

    @Test func transientFailuresStepThroughBackoffThenOffline() {
        var s = CameraSupervisor(camera: Self.camera, backoff: Self.fast(), sustainedSuccess: 30)
        let e = IngestError(.http, "HTTP 500", httpStatus: 500)
        #expect(s.failed(e, now: 0).delay == 1)
        #expect(s.state == .backoff)
        #expect(s.failed(e, now: 1).delay == 1)
        #expect(s.state == .offline)  // fast steps exhausted: only slow retries from here
        #expect(s.failed(e, now: 2).delay == 60)
        #expect(s.health.reconnects == 3)
        #expect(s.health.lastError?.contains("HTTP 500") == true)
    }

    @Test func transitionHistoryIsOrderedAndBounded() {
        var s = CameraSupervisor(camera: Self.camera, backoff: Self.fast(), sustainedSuccess: 30)
        let e = IngestError(.http, "HTTP 500", httpStatus: 500)
        _ = s.failed(e, now: 0)
        _ = s.failed(e, now: 1)
        _ = s.succeeded(now: 2)
        #expect(s.transitions.map { "\($0.from)→\($0.to)@\($0.reconnects)" }
                == ["starting→backoff@1", "backoff→offline@2", "offline→online@2"])
        for i in 0..<40 { _ = s.failed(e, now: Double(3 + 2 * i)); _ = s.succeeded(now: Double(4 + 2 * i)) }
        #expect(s.transitions.count == CameraSupervisor.historyLimit)
        #expect(s.transitions.last?.to == .online && s.transitions.last?.reconnects == 42)
    }

    @Test func backoffResetsOnlyAfterSustainedSuccess() {
        var s = CameraSupervisor(camera: Self.camera, backoff: Self.fast(), sustainedSuccess: 30)
        let e = IngestError(.curl, "refused")
        _ = s.failed(e, now: 0)
        _ = s.failed(e, now: 1)
        // A short success (a flapping camera) does not earn fast retries back...
        _ = s.succeeded(now: 10)
        _ = s.succeeded(now: 20)
        #expect(s.state == .online)
        #expect(s.failed(e, now: 21).delay == 60)
        // ...30 s of continuous success does.
        _ = s.succeeded(now: 100)
        _ = s.succeeded(now: 131)
        #expect(s.failed(e, now: 132).delay == 1)
    }

    @Test func rejectedFramesDegradeAndADeliveryRecovers() {
        var s = CameraSupervisor(camera: Self.camera, backoff: Self.fast(), sustainedSuccess: 30)
        _ = s.succeeded(now: 0)
        _ = s.delivered(wall: 1)
        #expect(s.state == .online)
        _ = s.rejected(.uniform)
        _ = s.rejected(.uniform)
        #expect(s.state == .online)
        _ = s.rejected(.frozen)
        #expect(s.state == .degraded)
        #expect(s.health.rejects == ["uniform": 2, "frozen": 1])
        _ = s.delivered(wall: 2)
        #expect(s.state == .online)
        #expect(s.health.framesDelivered == 2)
        #expect(s.health.lastFrameAt == 2)
    }

    @Test func unchangedSnapshotsAreCountedButDoNotDegrade() {
        var s = CameraSupervisor(camera: Self.camera, backoff: Self.fast(), sustainedSuccess: 30)
        _ = s.succeeded(now: 0)
        _ = s.delivered(wall: 1)
        for _ in 0..<10 { _ = s.rejected(.duplicate) }
        #expect(s.state == .online)
        #expect(s.health.rejects == ["duplicate": 10])
        // Duplicates do not reset a streak of real rejections either.
        _ = s.rejected(.uniform)
        _ = s.rejected(.duplicate)
        _ = s.rejected(.uniform)
        _ = s.rejected(.uniform)
        #expect(s.state == .degraded)
    }

    @Test func disabledCamerasStartDisabled() {
        var c = Self.camera
        c.enabled = false
        #expect(CameraSupervisor(camera: c, backoff: Self.fast(), sustainedSuccess: 30).state == .disabled)
    }
}
