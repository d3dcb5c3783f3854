import CamsiftCore
import Foundation
import Registry
import Testing
@testable import Events

@Suite struct EventsConfigTests {
    private func load(_ json: String) throws -> (CamsiftConfig, [RegistryProblem]) {
        let path = NSTemporaryDirectory() + "camsift-events-\(UUID().uuidString).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ConfigFile.load(path: path)
    }

    private func errors(_ json: String) -> [RegistryProblem] {
        do {
            _ = try load(json)
            return []
        } catch let e as RegistryError {
            return e.problems.filter(\.isError)
        } catch {
            return []
        }
    }

    @Test func defaultsAndRoundTrip() throws {
        let (c, warnings) = try load(#"{"events": {"mqtt": {}, "webhooks": [{"url": "http://h/x"}]}}"#)
        #expect(warnings.isEmpty)
        let e = try #require(c.events)
        #expect(e.confirm == 3)
        #expect(e.mqtt == EventsConfig.MQTT())
        #expect(e.webhooks == [EventsConfig.Webhook(url: "http://h/x", timeout: 5)])
        let again = try JSONDecoder().decode(CamsiftConfig.self, from: JSONEncoder().encode(c))
        #expect(again == c)
        #expect(try load("{}").0.events == nil)
        #expect(try EventPublisher.make(config: EventsConfig()) == nil)
    }

    @Test(arguments: [
        (#"{"events": {"mqtt": {"url": "tcp://b:1883"}}}"#, "events.mqtt.url", "mqtt://"),
        (#"{"events": {"mqtt": {"url": "mqtt://b:99999"}}}"#, "events.mqtt.url", "port"),
        (#"{"events": {"mqtt": {"url": "mqtt://u:secret@b:1883"}}}"#, "events.mqtt.url", "passwordFile"),
        (#"{"events": {"mqtt": {"topicPrefix": "a/#"}}}"#, "events.mqtt.topicPrefix", "camsift"),
        (#"{"events": {"webhooks": [{"url": "ftp://x/y"}]}}"#, "events.webhooks[0].url", "http://"),
        (#"{"events": {"webhooks": [{"url": "http://x/y", "timeout": 0}]}}"#, "events.webhooks[0].timeout", "seconds"),
        (#"{"events": {"confirm": 0}}"#, "events.confirm", "3"),
        (#"{"events": {"confirm": "3"}}"#, "events.confirm", "\"confirm\": 3"),
        (#"{"events": []}"#, "events", "mqtt"),
    ])
    func rejectsBadValues(_ json: String, _ field: String, _ fix: String) {
        let e = errors(json)
        #expect(e.contains { $0.field == field && $0.fix.contains(fix) }, "\(e)")
        #expect(!e.contains { $0.message.contains("secret") })
    }

    @Test func warnsOnUnknownNestedKeys() throws {
        let (_, warnings) = try load(#"{"events": {"mqtt": {"topicprefix": "x"}}}"#)
        #expect(warnings.contains { $0.field == "events.mqtt.topicprefix" && $0.fix.contains("topicPrefix") })
    }

    @Test func publisherErrorsNameFieldAndFix() {
        #expect(throws: EventsError.self) { try MQTTPublisher(config: .init(url: "mqtt://u:pw@host")) }
        do {
            _ = try MQTTPublisher(config: .init(passwordFile: "/nonexistent/pw"))
        } catch let e as EventsError {
            #expect(e.message.contains("events.mqtt.passwordFile") && e.message.contains("—"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        do {
            _ = try WebhookSender(config: .init(url: "http://user:pw@h/x", timeout: -1))
        } catch let e as EventsError {
            #expect(!e.message.contains("pw@") && e.message.contains("timeout"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
