import CamsiftCore
import Testing
@testable import Pipeline
import Serving

@Suite struct ChangeGateTests {
    private func record(_ camera: String) -> ClassificationRecord {
        ClassificationRecord(ts: "", camera: camera, label: "street", score: 0.9, model: "v1", via: "single",
                             top: [], latency_ms: 0)
    }

    @Test func firstFrameIsClassified() {
        let g = ChangeGate()
        guard case .classify = g.decide(makeFrame(camera: "a", value: 100), now: 0, modelVersion: "v1") else {
            Issue.record("first frame must be classified"); return
        }
    }

    @Test func nearIdenticalFrameReusesResult() {
        let g = ChangeGate(settings: .init(threshold: 2, maxReuse: 300))
        g.remember(makeFrame(camera: "a", value: 100, textured: true), record: record("a"), now: 0, modelVersion: "v1")
        // One grey level brighter everywhere: MAD = 1 < 2.
        guard case .reuse(let r) = g.decide(makeFrame(camera: "a", value: 101, textured: true), now: 10, modelVersion: "v1") else {
            Issue.record("expected reuse"); return
        }
        #expect(r.label == "street")
    }

    @Test func changedFrameIsClassified() {
        let g = ChangeGate(settings: .init(threshold: 2, maxReuse: 300))
        g.remember(makeFrame(camera: "a", value: 100, textured: true), record: record("a"), now: 0, modelVersion: "v1")
        guard case .classify = g.decide(makeFrame(camera: "a", value: 140, textured: true), now: 10, modelVersion: "v1") else {
            Issue.record("a changed scene must be re-classified"); return
        }
    }

    @Test func reuseExpiresAfterMaxReuse() {
        let g = ChangeGate(settings: .init(threshold: 2, maxReuse: 60))
        let f = makeFrame(camera: "a", value: 100)
        g.remember(f, record: record("a"), now: 0, modelVersion: "v1")
        if case .classify = g.decide(f, now: 59, modelVersion: "v1") { Issue.record("still within maxReuse") }
        guard case .classify = g.decide(f, now: 60, modelVersion: "v1") else {
            Issue.record("forced re-classification after maxReuse"); return
        }
    }

    @Test func newModelInvalidatesReuse() {
        let g = ChangeGate()
        let f = makeFrame(camera: "a", value: 100)
        g.remember(f, record: record("a"), now: 0, modelVersion: "v1")
        guard case .classify = g.decide(f, now: 1, modelVersion: "v2") else {
            Issue.record("a promoted model must re-classify"); return
        }
    }

    @Test func camerasAreIndependentAndForgettable() {
        let g = ChangeGate()
        let f = makeFrame(camera: "a", value: 100)
        g.remember(f, record: record("a"), now: 0, modelVersion: "v1")
        if case .reuse = g.decide(makeFrame(camera: "b", value: 100), now: 1, modelVersion: "v1") {
            Issue.record("camera b has no reference of its own")
        }
        g.forget(camera: "a")
        if case .reuse = g.decide(f, now: 1, modelVersion: "v1") { Issue.record("forgotten camera reused") }
    }

    @Test func zeroThresholdDisablesGating() {
        let g = ChangeGate(settings: .init(threshold: 0, maxReuse: 300))
        let f = makeFrame(camera: "a", value: 100)
        g.remember(f, record: record("a"), now: 0, modelVersion: "v1")
        guard case .classify = g.decide(f, now: 1, modelVersion: "v1") else { Issue.record("gating is off"); return }
    }
}
