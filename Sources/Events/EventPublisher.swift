import CamsiftCore
import Pipeline
import Synchronization

/// The daemon's event publisher: watches every logged frame (a `FrameObserver` on the inference thread),
/// runs `LabelHysteresis` per camera, and hands each confirmed label change to MQTT and every webhook.
///
/// `observe` costs a dictionary update under a lock and, on a change, one append per receiver to a bounded
/// queue: it never waits for a network. As a daemon `Service` it starts the senders, reports started, waits
/// for the graceful shutdown, then flushes briefly, publishes `offline` and disconnects.
public final class EventPublisher: FrameObserver, Service, Sendable {
    public let mqtt: MQTTPublisher?
    public let webhooks: [WebhookSender]
    private let hysteresis: Mutex<LabelHysteresis>
    private let counts = Mutex<(frames: Int, events: Int)>((0, 0))
    /// Seconds each sender gets at shutdown to deliver what is queued.
    let drain: Double

    /// Nil when `config` publishes nowhere (no `mqtt` and no `webhooks`).
    public static func make(config: EventsConfig?) throws -> EventPublisher? {
        guard let config, config.mqtt != nil || !config.webhooks.isEmpty else { return nil }
        return try EventPublisher(config: config)
    }

    public convenience init(config: EventsConfig) throws {
        guard EventsConfig.Limits.confirm.contains(config.confirm) else {
            throw EventsError.config("confirm", "is \(config.confirm), outside \(EventsConfig.Limits.confirm)", fix: "use e.g. 3")
        }
        let mqtt = try config.mqtt.map { try MQTTPublisher(config: $0) }
        let webhooks = try config.webhooks.map { try WebhookSender(config: $0) }
        self.init(confirm: config.confirm, mqtt: mqtt, webhooks: webhooks)
    }

    /// From parts (tests: small queues, short backoff).
    public init(confirm: Int, mqtt: MQTTPublisher?, webhooks: [WebhookSender], drain: Double = 2) {
        hysteresis = Mutex(LabelHysteresis(confirm: max(1, confirm)))
        self.mqtt = mqtt
        self.webhooks = webhooks
        self.drain = drain
    }

    // MARK: FrameObserver (inference thread: must return at once)

    public func observe(_ frame: Frame, record: ClassificationRecord, roles: [String: String]) {
        observe(record)
    }

    /// The same from a log record alone.
    public func observe(_ record: ClassificationRecord) {
        let event = hysteresis.withLock {
            $0.observe(camera: record.camera, label: record.label, score: record.score, ts: record.ts, model: record.model)
        }
        counts.withLock {
            $0.frames += 1
            if event != nil { $0.events += 1 }
        }
        if let event { publish(event) }
    }

    /// Hands `event` to every receiver's queue.
    public func publish(_ event: LabelEvent) {
        mqtt?.enqueue(event)
        for w in webhooks { w.enqueue(event) }
    }

    /// Frames observed and confirmed label changes so far.
    public var totals: (frames: Int, events: Int) { counts.withLock { $0 } }

    /// Starts the senders (outside a service group; `run()` does this itself).
    public func start() throws {
        try mqtt?.start()
        for w in webhooks { w.start() }
    }

    /// Stops the senders; blocking (at most ~`drain` + 1 s).
    public func stop() {
        for w in webhooks { w.requestStop(drain: drain) }  // all drain at once
        mqtt?.stop(drain: drain)
        for w in webhooks { w.waitStopped() }
    }

    // MARK: Service

    public func run() async throws {
        try start()
        reportServiceStarted()
        do { try await gracefulShutdown() } catch {}
        await DedicatedThread.run("events-stop") { [self] in stop() }
    }
}
