import CamsiftCore
import Foundation
import Testing
@testable import Events

@Suite struct HysteresisTests {
    private func feed(_ h: inout LabelHysteresis, _ labels: [String], camera: String = "cam1") -> [LabelEvent] {
        labels.enumerated().compactMap { i, l in
            h.observe(camera: camera, label: l, score: 0.9, ts: "2026-01-01T00:00:0\(i % 10).000Z", model: "m1")
        }
    }

    @Test func firstConfirmedLabelHasNoPrevious() {
        var h = LabelHysteresis(confirm: 3)
        #expect(feed(&h, ["cat", "cat"]).isEmpty)
        let e = feed(&h, ["cat"])
        #expect(e.count == 1)
        #expect(e.first?.label == "cat")
        #expect(e.first?.previous == nil)
        #expect(h.confirmed(camera: "cam1") == "cat")
    }

    @Test func flickerBelowConfirmPublishesNothing() {
        var h = LabelHysteresis(confirm: 3)
        _ = feed(&h, ["cat", "cat", "cat"])
        #expect(feed(&h, ["dog", "dog", "cat", "dog", "bird", "dog", "dog", "cat", "cat"]).isEmpty)
        #expect(h.confirmed(camera: "cam1") == "cat")
    }

    @Test func confirmedChangePublishesOnceWithPrevious() {
        var h = LabelHysteresis(confirm: 3)
        _ = feed(&h, ["cat", "cat", "cat"])
        let e = feed(&h, ["dog", "dog", "dog", "dog", "dog", "dog"])
        #expect(e.count == 1)
        #expect(e.first?.label == "dog")
        #expect(e.first?.previous == "cat")
        #expect(e.first?.ts == "2026-01-01T00:00:02.000Z")  // the confirming (third) frame
    }

    @Test func camerasAreIndependentAndBounded() {
        var h = LabelHysteresis(confirm: 2, maxCameras: 8)
        #expect(feed(&h, ["a"], camera: "x").isEmpty)
        #expect(feed(&h, ["a"], camera: "y").isEmpty)
        #expect(feed(&h, ["a"], camera: "x").count == 1)
        for i in 0..<100 { _ = feed(&h, ["a"], camera: "c\(i)") }
        #expect(h.count <= 8)
    }

    @Test func confirmOneFollowsEveryChange() {
        var h = LabelHysteresis(confirm: 1)
        #expect(feed(&h, ["a", "a", "b", "a"]).map(\.label) == ["a", "b", "a"])
    }

    @Test func reusedFramesCountAsClassified() {
        let p = EventPublisher(confirm: 3, mqtt: nil, webhooks: [])
        for reused in [false, true, true] {
            p.observe(ClassificationRecord(ts: "t", camera: "c", label: "cat", score: 0.8, model: "m", via: "single",
                                           top: [], latency_ms: 1, reused: reused ? true : nil))
        }
        #expect(p.totals.events == 1)
    }

    @Test func payloadHasEveryFieldInOrderWithNullPrevious() throws {
        let e = LabelEvent(camera: "cam1", label: "dog", score: 0.87654321, previous: nil, ts: "2026-01-01T00:00:00.000Z", model: "abc")
        let s = String(decoding: e.json(), as: UTF8.self)
        #expect(s == #"{"camera":"cam1","label":"dog","score":0.8765,"previous":null,"ts":"2026-01-01T00:00:00.000Z","model":"abc"}"#)
        let back = try JSONDecoder().decode(LabelEvent.self, from: Data(e.json()))
        #expect(back.previous == nil && back.label == "dog")
        let encoded = String(decoding: try JSONEncoder().encode(e), as: UTF8.self)
        #expect(encoded.contains("\"previous\":null"))
    }
}
