import CamsiftCore
import Foundation
import Testing
@testable import Events

/// Against a real mosquitto broker, with mosquitto_sub as the subscriber. Serialized: the restart tests free
/// their port for a moment, and a parallel test must not pick it for its own broker.
@Suite(.serialized) struct MQTTTests {
    private func record(_ camera: String, _ label: String, _ ts: String = Timestamp.rfc3339(Timestamp.now())) -> ClassificationRecord {
        ClassificationRecord(ts: ts, camera: camera, label: label, score: 0.75, model: "m1", via: "single", top: [], latency_ms: 1)
    }

    private func confirm(_ p: EventPublisher, _ camera: String, _ label: String) {
        for _ in 0..<3 { p.observe(record(camera, label)) }
    }

    private func json(_ s: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])
    }

    @Test func retainedLabelAndStatusOnlineThenOffline() throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let live = try Subscriber(port: broker.port, topic: "camsift/#")
        defer { live.stop() }
        let mqtt = try MQTTPublisher(config: .init(url: broker.url, homeAssistant: true), clientID: "t-retained")
        let p = EventPublisher(confirm: 3, mqtt: mqtt, webhooks: [])
        try p.start()
        #expect(eventually { live.messages("camsift/status").map(\.payload) == ["online"] })

        confirm(p, "cam1", "dog")
        #expect(eventually { mqtt.stats.acknowledged >= 3 })  // online, discovery, event
        let got = try #require(try Subscriber.retained(port: broker.port, topic: "camsift/cam1/label"))
        #expect(got.retained)
        let payload = try json(got.payload)
        #expect(payload["camera"] as? String == "cam1")
        #expect(payload["label"] as? String == "dog")
        #expect(payload["previous"] is NSNull)
        #expect(payload["model"] as? String == "m1")
        #expect((payload["score"] as? Double) == 0.75)
        #expect(payload["ts"] is String)
        let discovery = try #require(try Subscriber.retained(port: broker.port, topic: "homeassistant/sensor/camsift_cam1/config"))
        #expect(try json(discovery.payload)["state_topic"] as? String == "camsift/cam1/label")

        confirm(p, "cam1", "cat")
        #expect(eventually { live.messages("camsift/cam1/label").count == 2 })
        #expect(try json(live.messages("camsift/cam1/label")[1].payload)["previous"] as? String == "dog")

        p.stop()
        #expect(eventually { live.messages("camsift/status").map(\.payload) == ["online", "offline"] })
        #expect(try Subscriber.retained(port: broker.port, topic: "camsift/status")?.payload == "offline")
        #expect(mqtt.stats.unacknowledged == 0)
    }

    @Test func lastWillSaysOfflineWhenTheConnectionDies() throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let live = try Subscriber(port: broker.port, topic: "camsift/status")
        defer { live.stop() }
        let mqtt = try MQTTPublisher(config: .init(url: broker.url), clientID: "t-will", reconnectDelay: (1, 2))
        try mqtt.start()
        defer { mqtt.stop() }
        #expect(eventually { live.messages("camsift/status").map(\.payload) == ["online"] })
        mqtt.dropConnectionUncleanly()  // no DISCONNECT: to the broker the client died
        #expect(eventually { live.messages("camsift/status").map(\.payload).starts(with: ["online", "offline"]) })
        // libmosquitto reconnects by itself and says online again.
        #expect(eventually { live.messages("camsift/status").map(\.payload) == ["online", "offline", "online"] })
    }

    @Test func eventsAfterABrokerRestartArriveOnce() throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let mqtt = try MQTTPublisher(config: .init(url: broker.url), clientID: "t-restart", reconnectDelay: (1, 2))
        let p = EventPublisher(confirm: 3, mqtt: mqtt, webhooks: [])
        try p.start()
        defer { p.stop() }
        #expect(eventually { mqtt.stats.connected })
        confirm(p, "cam1", "cat")
        #expect(eventually { mqtt.stats.acknowledged >= 2 })

        broker.kill()
        #expect(eventually { !mqtt.stats.connected })
        confirm(p, "cam1", "dog")  // while the broker is down: held in the publisher's queue, not handed over
        usleep(500_000)
        #expect(mqtt.stats.published == 1, "\(mqtt.stats)")
        try broker.start()
        let live = try Subscriber(port: broker.port, topic: "camsift/+/label")
        defer { live.stop() }
        #expect(eventually { mqtt.stats.connects == 2 })
        #expect(eventually { mqtt.stats.published == 2 })
        confirm(p, "cam2", "bird")

        #expect(eventually { live.messages("camsift/cam2/label").count >= 1 && live.messages("camsift/cam1/label").count >= 1 })
        usleep(300_000)  // any duplicate would come now
        let cam1 = live.messages("camsift/cam1/label").map { (try? json($0.payload))?["label"] as? String }
        let cam2 = live.messages("camsift/cam2/label").map { (try? json($0.payload))?["label"] as? String }
        #expect(cam1 == ["dog"])  // the event from the outage, once; "cat" died with the broker's memory
        #expect(cam2 == ["bird"])
        #expect(eventually { mqtt.stats.acknowledged >= 5 })  // + online, dog, bird
    }

    @Test func connectsWhenTheBrokerComesUpLater() throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        broker.kill()
        let mqtt = try MQTTPublisher(config: .init(url: broker.url), clientID: "t-late", reconnectDelay: (1, 2))
        let p = EventPublisher(confirm: 1, mqtt: mqtt, webhooks: [])
        try p.start()  // the daemon does not wait for (nor fail without) the broker
        p.observe(record("cam1", "cat"))
        usleep(300_000)
        try broker.start()
        #expect(eventually { mqtt.stats.connected })
        #expect(eventually { mqtt.stats.acknowledged >= 2 }, "\(mqtt.stats)")  // online + the event queued before
        // The event from before the first connect is retained: a later subscriber gets it at once. (When the
        // library queued it, its resend cleared the retain flag in 6 of 8 runs: see MQTTPublisher's notes.)
        let retained = try Subscriber.retained(port: broker.port, topic: "camsift/cam1/label")
        let label = try retained.map { try json($0.payload)["label"] as? String }
        #expect(retained?.retained == true && label == "cat", "\(String(describing: retained))")
        p.stop()
    }
}
