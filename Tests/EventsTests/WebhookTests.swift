import CamsiftCore
import Foundation
import Pipeline
import Synchronization
import Testing
@testable import Events

@Suite struct WebhookTests {
    private func event(_ label: String, camera: String = "cam1") -> LabelEvent {
        LabelEvent(camera: camera, label: label, score: 0.5, previous: nil, ts: "2026-01-01T00:00:00.000Z", model: "m")
    }

    private func label(_ body: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["label"] as? String
    }

    @Test func retriesAfterA500ThenDelivers() throws {
        let receiver = try HTTPReceiver { i in .status(i == 0 ? 500 : 200) }
        defer { receiver.stop() }
        let sender = try WebhookSender(config: .init(url: receiver.url, timeout: 2), retryDelays: [0.1, 0.1])
        sender.start()
        defer { sender.stop() }
        sender.enqueue(event("dog"))
        #expect(eventually(5) { sender.stats.delivered == 1 })
        #expect(receiver.bodies.count == 2)
        #expect(receiver.bodies.allSatisfy { label($0) == "dog" })
        #expect(receiver.requestHeaders.first?.lowercased().contains("content-type: application/json") == true)
        #expect(sender.stats.retries == 1)
        #expect(sender.stats.failed == 0)
    }

    @Test func aHangingReceiverTimesOutWithoutBlockingOthersOrObserve() throws {
        let hanging = try HTTPReceiver { _ in .hang }
        defer { hanging.stop() }
        let good = try HTTPReceiver { _ in .status(204) }
        defer { good.stop() }
        let slow = try WebhookSender(config: .init(url: hanging.url, timeout: 0.5), retryDelays: [0.1])
        let fast = try WebhookSender(config: .init(url: good.url, timeout: 0.5), retryDelays: [0.1])
        let p = EventPublisher(confirm: 3, mqtt: nil, webhooks: [slow, fast], drain: 0.5)
        try p.start()
        let observer: any FrameObserver = FrameObservers([p])
        let frame = Frame(camera: "cam1", capturedAt: .now, capturedWall: 0, jpeg: nil,
                          pixels: DecodedFrame(width: 1, height: 1, rgb: [0, 0, 0]))
        var slowest = Duration.zero
        let clock = ContinuousClock()
        for label in ["a", "b", "c", "d"] {
            for _ in 0..<3 {
                let r = ClassificationRecord(ts: "t", camera: "cam1", label: label, score: 0.9, model: "m", via: "single",
                                             top: [], latency_ms: 1)
                let d = clock.measure { observer.observe(frame, record: r, roles: [:]) }
                slowest = max(slowest, d)
            }
        }
        #expect(slowest < .milliseconds(5), "observe took \(slowest)")
        // The good receiver has all four while the hanging one is still on its first.
        #expect(eventually(1.5) { good.bodies.count == 4 })
        #expect(good.bodies.map { label($0) } == ["a", "b", "c", "d"])
        // The receiver records a body before the sender reads its reply and counts the delivery: wait for the count.
        #expect(eventually(1) { fast.stats.delivered == 4 }, "delivered \(fast.stats.delivered)")
        #expect(eventually(3) { slow.stats.failed >= 1 })  // timed out twice (attempt + retry)
        #expect(slow.stats.delivered == 0)
        let t0 = ContinuousClock.now
        p.stop()
        #expect(ContinuousClock.now - t0 < .seconds(2.5))
        #expect(slow.stats.failed + slow.stats.abandoned + slow.stats.dropped == 4)
    }

    @Test func overflowDropsOldestAndCounts() throws {
        let gate = DispatchSemaphore(value: 0)
        let receiver = try HTTPReceiver { _ in .after(gate, 200) }
        defer { receiver.stop() }
        let sender = try WebhookSender(config: .init(url: receiver.url, timeout: 5), queueCapacity: 2, retryDelays: [])
        sender.start()
        defer { sender.stop() }
        sender.enqueue(event("e1"))
        #expect(eventually(3) { receiver.bodies.count == 1 })  // e1 in flight, held by the receiver
        for i in 2...6 { sender.enqueue(event("e\(i)")) }
        #expect(sender.stats.dropped == 3)  // e2, e3, e4: the oldest
        for _ in 0..<3 { gate.signal() }
        #expect(eventually(3) { sender.stats.delivered == 3 })
        #expect(receiver.bodies.map { label($0) } == ["e1", "e5", "e6"])
    }
}
