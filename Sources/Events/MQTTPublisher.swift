import CMosquitto
import CamsiftCore
import Foundation
import Synchronization

/// Publishes label events to an MQTT broker with libmosquitto.
///
/// - `<topicPrefix>/<camera>/label`: the event JSON, retained, QoS 1 (a subscriber that comes later gets the
///   current label at once).
/// - `<topicPrefix>/status`: `online` (retained) on every connect; `offline` (retained) at a clean stop, and
///   by the broker as the last will when the connection is lost without one.
/// - With `homeAssistant`, `homeassistant/sensor/camsift_<camera>/config` (retained) before a camera's first
///   event and again on every reconnect.
///
/// A network thread of ours (`mosquitto_loop`) keeps the connection and reconnects with exponential backoff
/// (1 s doubling to 30 s) when the broker goes away or is not up yet. `enqueue` only appends to a bounded
/// queue (oldest dropped and counted); a thread of ours hands events to the library **only while connected**,
/// so events of an outage wait in that queue and are published once the broker is back. Why not let the
/// library queue them: libmosquitto 2.0.11 (Debian 12) resends a QoS 1 message published while disconnected
/// with the retain flag sometimes cleared (seen in the broker's log as `PUBLISH (d1, q1, r0 …)` in 6 of 8
/// runs of MQTTTests' late-broker case), so the retained label a later subscriber gets was lost. Messages
/// already handed over when a connection drops are still resent by the library (up to `maxPending`
/// unacknowledged, then new events are dropped and counted): at-least-once.
public final class MQTTPublisher: Sendable {
    public struct Stats: Sendable, Equatable {
        /// Events handed to the library (sent while connected; resent by it if the connection dropped before the ack).
        public var published = 0
        /// Messages the broker acknowledged (events, status and discovery).
        public var acknowledged = 0
        /// Events dropped: our queue was full (oldest first) or too many were unacknowledged.
        public var dropped = 0
        /// Events the library refused (logged).
        public var failed = 0
        /// Connections made (the first, then each reconnect).
        public var connects = 0
        /// Messages still unacknowledged when the publisher stopped.
        public var unacknowledged = 0
        public var connected = false
        public init() {}
    }

    public let redactedURL: String
    public let topicPrefix: String
    let endpoint: MQTTEndpoint
    let homeAssistant: Bool
    let maxPending: Int
    let queue: EventQueue<LabelEvent>
    // libmosquitto's handle: thread-safe for publish/disconnect with the threaded interface.
    private nonisolated(unsafe) let mosq: OpaquePointer
    private let counters = Mutex(Stats())
    private let pending = Atomic<Int>(0)
    private let announced = Mutex<Set<String>>([])
    private let lifecycle = Mutex<(started: Bool, stopped: Bool, lostLogged: Bool)>((false, false, false))
    private let exited = DispatchSemaphore(value: 0)
    private let networkExited = DispatchSemaphore(value: 0)
    /// Signalled by `stop` to end the network loop (and cut a backoff sleep short).
    private let stopNetwork = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    private let reconnectDelay: (min: UInt32, max: UInt32)

    public var statusTopic: String { "\(topicPrefix)/status" }
    public func labelTopic(_ camera: String) -> String { "\(topicPrefix)/\(camera)/label" }
    public static func discoveryTopic(_ camera: String) -> String { "homeassistant/sensor/camsift_\(haID(camera))/config" }

    /// Validates `config`, reads the credential files and creates the client; connects only in `start()`.
    /// `keepalive`: seconds between pings, so a dead broker is noticed (and the will fires) within 1.5×.
    public init(config: EventsConfig.MQTT, clientID: String? = nil, queueCapacity: Int = 1024, maxPending: Int = 1000,
                keepalive: Int32 = 30, reconnectDelay: (min: UInt32, max: UInt32) = (1, 30)) throws {
        redactedURL = URLRedaction.redact(config.url)
        switch config.endpoint() {
        case .failure(let p): throw EventsError.config("mqtt.url '\(redactedURL)'", p.message, fix: p.fix)
        case .success(let e): endpoint = e
        }
        if let p = config.topicPrefixProblem {
            throw EventsError.config("mqtt.topicPrefix '\(config.topicPrefix)'", p, fix: "write e.g. \"camsift\"")
        }
        topicPrefix = config.topicPrefix
        homeAssistant = config.homeAssistant
        self.maxPending = max(1, maxPending)
        queue = EventQueue(capacity: max(1, queueCapacity))
        let user = try Self.readSecret(config.usernameFile, field: "mqtt.usernameFile")
        let password = try Self.readSecret(config.passwordFile, field: "mqtt.passwordFile")
        if user == nil, password != nil {
            throw EventsError.config("mqtt.passwordFile", "is set without a user name", fix: "set events.mqtt.usernameFile too")
        }

        MosquittoLibrary.initialize()
        let id = clientID ?? "camsift-\(ProcessInfo.processInfo.hostName.prefix(40))-\(getpid())"
        guard let m = mosquitto_new(id, true, nil) else {
            throw EventsError(.resource, "mosquitto_new failed for \(redactedURL): \(String(cString: strerror(errno))) — free memory and restart camsift")
        }
        mosq = m
        do {
            let url = config.url
            try mosquittoCheck(mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311), "mosquitto_int_option(protocol)", url: url)
            if let user {
                try mosquittoCheck(mosquitto_username_pw_set(m, user, password), "mosquitto_username_pw_set", url: url)
            }
            if endpoint.tls {
                try mosquittoCheck(mosquitto_int_option(m, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "mosquitto_int_option(TLS system CAs)", url: url)
            }
            let offline = Array("offline".utf8)
            try mosquittoCheck(mosquitto_will_set(m, "\(config.topicPrefix)/status", Int32(offline.count), offline, 1, true),
                               "mosquitto_will_set", url: url)
            try mosquittoCheck(mosquitto_reconnect_delay_set(m, reconnectDelay.min, reconnectDelay.max, true),
                               "mosquitto_reconnect_delay_set", url: url)
            self.reconnectDelay = (max(1, reconnectDelay.min), max(reconnectDelay.min, reconnectDelay.max))
            self.keepalive = keepalive
        } catch {
            mosquitto_destroy(m)
            throw error
        }
    }

    private let keepalive: Int32

    deinit {
        mosquitto_destroy(mosq)
    }

    /// Starts the network thread and our publishing thread; connecting happens in the background (a broker
    /// that is down is retried with backoff, and logged once).
    public func start() throws {
        let first = lifecycle.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started
        }
        guard first else { return }
        let me = Unmanaged.passUnretained(self).toOpaque()
        mosquitto_user_data_set(mosq, me)
        mosquitto_connect_callback_set(mosq, mqttOnConnect)
        mosquitto_disconnect_callback_set(mosq, mqttOnDisconnect)
        mosquitto_publish_callback_set(mosq, mqttOnPublish)
        try mosquittoCheck(mosquitto_threaded_set(mosq, true), "mosquitto_threaded_set", url: redactedURL)
        DedicatedThread.start("mqtt-network") { [self] in
            networkLoop()
            networkExited.signal()
        }
        DedicatedThread.start("mqtt-publish") { [self] in
            while let event = queue.pop() {
                // Hold the event until connected (see the type's notes); at stop it goes to the library as is.
                while !counters.withLock({ $0.connected }) && !lifecycle.withLock({ $0.stopped }) { usleep(20_000) }
                publish(event)
            }
            exited.signal()
        }
    }

    /// Queues `event`; never blocks.
    public func enqueue(_ event: LabelEvent) {
        if !queue.push(event) { counters.withLock { $0.dropped += 1 } }
    }

    public var stats: Stats {
        var s = counters.withLock { $0 }
        s.dropped += queue.dropped
        return s
    }

    /// Publishes what is queued, then `offline` (retained), waits up to `drain` seconds for the broker's
    /// acknowledgements, and disconnects cleanly (so the broker does not send the last will). Blocking.
    public func stop(drain: Double = 2) {
        let wasStarted = lifecycle.withLock { s -> Bool in
            defer { s.stopped = true }
            return s.started && !s.stopped
        }
        guard wasStarted else { return }
        queue.close()
        exited.wait()
        _ = publishRaw(statusTopic, Array("offline".utf8))
        let deadline = Monotonic.now() + max(0, drain)
        while pending.load(ordering: .acquiring) > 0, counters.withLock({ $0.connected }), Monotonic.now() < deadline {
            usleep(10_000)
        }
        let left = pending.load(ordering: .acquiring)
        counters.withLock { $0.unacknowledged = left }
        if left > 0 {
            OperationalLog.warning("events", "mqtt \(redactedURL): \(left) message(s) unacknowledged at stop (broker unreachable?)")
        }
        stopping.store(true, ordering: .releasing)
        mosquitto_disconnect(mosq)  // DISCONNECT: the broker keeps the will to itself
        stopNetwork.signal()
        networkExited.wait()
        counters.withLock { $0.connected = false }
    }

    /// Our own network loop rather than `mosquitto_loop_start`'s: libmosquitto 2.0's thread gives up for good
    /// when the first connect fails (broker not up yet, DNS hiccup); this one keeps trying with backoff
    /// (`reconnectDelay`, doubling) until `stop`.
    private func networkLoop() {
        var delay = Double(reconnectDelay.min)
        var first = true
        while !stopping.load(ordering: .acquiring) {
            var rc = first
                ? mosquitto_connect_async(mosq, endpoint.host, Int32(endpoint.port), keepalive)
                : mosquitto_reconnect_async(mosq)
            first = false
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                noteLost("cannot connect: \(mosquittoReason(rc))")
            } else {
                let connectsBefore = counters.withLock { $0.connects }
                repeat { rc = mosquitto_loop(mosq, 200, 1) } while rc == MOSQ_ERR_SUCCESS.rawValue && !stopping.load(ordering: .acquiring)
                if stopping.load(ordering: .acquiring) { break }
                if counters.withLock({ $0.connects }) > connectsBefore { delay = Double(reconnectDelay.min) }
                counters.withLock { $0.connected = false }
                noteLost("connection lost: \(mosquittoReason(rc))")
            }
            if stopNetwork.wait(timeout: .now() + delay) == .success { break }
            delay = min(delay * 2, Double(reconnectDelay.max))
        }
        // Send the DISCONNECT (queued by `stop`) before the socket goes, at most ~1 s.
        let deadline = Monotonic.now() + 1
        while mosquitto_socket(mosq) >= 0, Monotonic.now() < deadline {
            if mosquitto_loop(mosq, 100, 1) != MOSQ_ERR_SUCCESS.rawValue { break }
        }
    }

    /// Test hook: makes the connection drop as if the process died (no DISCONNECT: the broker sends the last
    /// will); libmosquitto then reconnects.
    public func dropConnectionUncleanly() {
        let fd = mosquitto_socket(mosq)
        if fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)) }
    }

    // MARK: publishing

    private func publish(_ event: LabelEvent) {
        if pending.load(ordering: .relaxed) >= maxPending {
            counters.withLock { $0.dropped += 1 }
            return
        }
        if homeAssistant {
            let isNew = announced.withLock { $0.insert(event.camera).inserted }
            if isNew { _ = publishRaw(Self.discoveryTopic(event.camera), discoveryPayload(event.camera)) }
        }
        if publishRaw(labelTopic(event.camera), event.json()) {
            counters.withLock { $0.published += 1 }
        } else {
            counters.withLock { $0.failed += 1 }
        }
    }

    /// QoS 1, retained. The library queues it when disconnected (sent after the reconnect).
    @discardableResult
    private func publishRaw(_ topic: String, _ payload: [UInt8]) -> Bool {
        pending.add(1, ordering: .relaxed)
        let rc = payload.withUnsafeBytes { p in
            mosquitto_publish(mosq, nil, topic, Int32(p.count), p.baseAddress, 1, true)
        }
        if rc == MOSQ_ERR_SUCCESS.rawValue || rc == MOSQ_ERR_NO_CONN.rawValue {
            // NO_CONN: libmosquitto 2.0 queued the QoS 1 message and sends it once reconnected.
            return true
        }
        pending.subtract(1, ordering: .relaxed)
        OperationalLog.warning("events", "mqtt \(redactedURL): publish to \(topic) failed: \(mosquittoReason(rc)) — \(mosquittoFix(rc))")
        return false
    }

    private func discoveryPayload(_ camera: String) -> [UInt8] {
        let id = "camsift_\(Self.haID(camera))"
        var out: [UInt8] = Array("{".utf8)
        var first = true
        func field(_ k: String, _ v: String) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONWriter.appendString(k, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.appendString(v, to: &out)
        }
        field("name", "\(camera) label")
        field("unique_id", "\(id)_label")
        field("object_id", id)
        field("state_topic", labelTopic(camera))
        field("value_template", "{{ value_json.label }}")
        field("json_attributes_topic", labelTopic(camera))
        field("availability_topic", statusTopic)
        field("payload_available", "online")
        field("payload_not_available", "offline")
        field("icon", "mdi:cctv")
        out.append(contentsOf: Array(",\"device\":{\"identifiers\":[".utf8))
        JSONWriter.appendString(id, to: &out)
        out.append(contentsOf: Array("],\"name\":".utf8))
        JSONWriter.appendString("camsift \(camera)", to: &out)
        out.append(contentsOf: Array(",\"manufacturer\":\"camsift\"}}".utf8))
        return out
    }

    /// Home Assistant object ids take [a-zA-Z0-9_-]; camera ids may also hold '.'.
    static func haID(_ camera: String) -> String {
        String(camera.map { $0 == "." ? "_" : $0 })
    }

    // MARK: libmosquitto callbacks (its network thread)

    fileprivate func connected(_ rc: Int32) {
        guard rc == 0 else {
            noteLost("the broker refused the connection: \(String(cString: mosquitto_connack_string(rc)))")
            return
        }
        let n = counters.withLock { s -> Int in
            s.connects += 1
            s.connected = true
            return s.connects
        }
        lifecycle.withLock { $0.lostLogged = false }
        OperationalLog.info("events", n == 1 ? "mqtt connected to \(redactedURL)" : "mqtt reconnected to \(redactedURL)")
        _ = publishRaw(statusTopic, Array("online".utf8))
        if homeAssistant {
            for camera in announced.withLock({ $0 }).sorted() {
                _ = publishRaw(Self.discoveryTopic(camera), discoveryPayload(camera))
            }
        }
    }

    fileprivate func disconnected(_ rc: Int32) {
        counters.withLock { $0.connected = false }
        if rc != 0 { noteLost("connection lost: \(mosquittoReason(rc))") }
    }

    fileprivate func acknowledged() {
        pending.subtract(1, ordering: .relaxed)
        counters.withLock { $0.acknowledged += 1 }
    }

    /// One warning per outage, not one per retry.
    private func noteLost(_ why: String) {
        let first = lifecycle.withLock { s -> Bool in
            defer { s.lostLogged = true }
            return !s.lostLogged && !s.stopped
        }
        if first {
            OperationalLog.warning("events", "mqtt \(redactedURL): \(why) — reconnecting with backoff; check that the broker runs and events.mqtt is right")
        }
    }

    private static func readSecret(_ path: String, field: String) throws -> String? {
        guard !path.isEmpty else { return nil }
        guard let data = FileManager.default.contents(atPath: path), let s = String(data: data, encoding: .utf8) else {
            throw EventsError.config(field, "'\(path)' cannot be read",
                                     fix: "create it (one line) and make it readable by the user camsift runs as")
        }
        let value = s.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else {
            throw EventsError.config(field, "'\(path)' is empty", fix: "write the value on one line, or remove the field")
        }
        return value
    }
}

private func publisher(_ obj: UnsafeMutableRawPointer?) -> MQTTPublisher? {
    obj.map { Unmanaged<MQTTPublisher>.fromOpaque($0).takeUnretainedValue() }
}

private let mqttOnConnect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32) -> Void = { _, obj, rc in
    publisher(obj)?.connected(rc)
}

private let mqttOnDisconnect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32) -> Void = { _, obj, rc in
    publisher(obj)?.disconnected(rc)
}

private let mqttOnPublish: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32) -> Void = { _, obj, _ in
    publisher(obj)?.acknowledged()
}

/// `mosquitto_lib_init` once per process.
enum MosquittoLibrary {
    private static let done = Mutex(false)
    static func initialize() {
        done.withLock { d in
            if !d { _ = mosquitto_lib_init(); d = true }
        }
    }
}
