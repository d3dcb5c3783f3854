import CCurl
import CamsiftCore
import Foundation
import Synchronization

/// POSTs each event's JSON to one HTTP receiver, from a thread of its own.
///
/// `enqueue` only appends to a bounded queue (full: the oldest event is dropped and counted), so a dead or
/// hanging receiver never slows the inference thread nor the other receivers. Each attempt is bounded by
/// `timeout` (connect + answer). A transport error, a 5xx, 408 or 429 is retried after each step of
/// `retryDelays` (stepped backoff, default 1 s, 5 s, 30 s: four attempts); any other non-2xx answer is
/// final. Delivery is at-least-once per attempt sequence: a receiver that stored an event but answered too
/// late gets it again.
public final class WebhookSender: Sendable {
    public struct Stats: Sendable, Equatable {
        /// Events the receiver answered 2xx to.
        public var delivered = 0
        /// Events given up on after the last retry (or a final non-2xx answer).
        public var failed = 0
        /// Events dropped because the queue was full (the oldest go first).
        public var dropped = 0
        /// Attempts repeated after a failure.
        public var retries = 0
        /// Events still queued or in flight when the sender stopped.
        public var abandoned = 0
        public init() {}
    }

    /// The receiver's URL with credentials stripped, for messages.
    public let redactedURL: String
    let url: String
    let timeout: Double
    let retryDelays: [Double]
    let queue: EventQueue<LabelEvent>
    private let counters = Mutex(Stats())
    private let state = Mutex<(started: Bool, failing: Bool)>((false, false))
    /// Monotonic nanoseconds after which transfers abort (set by `stop`); 0 = none.
    private let abortAfter = Atomic<UInt64>(0)
    private let exited = DispatchSemaphore(value: 0)

    public init(config: EventsConfig.Webhook, queueCapacity: Int = 256, retryDelays: [Double] = [1, 5, 30]) throws {
        let redacted = URLRedaction.redact(config.url)
        if let p = config.urlProblem {
            throw EventsError(.config, "events.webhooks url '\(redacted)' \(p) — write e.g. \"http://127.0.0.1:8080/camsift\"")
        }
        guard EventsConfig.Limits.webhookTimeout.contains(config.timeout) else {
            throw EventsError(.config, "events.webhooks timeout of \(redacted) is \(config.timeout) — use seconds per attempt, e.g. 5")
        }
        try CurlGlobal.initialize()
        url = config.url
        redactedURL = redacted
        timeout = config.timeout
        self.retryDelays = retryDelays
        queue = EventQueue(capacity: max(1, queueCapacity))
    }

    /// Starts the sender thread (once).
    public func start() {
        let first = state.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started
        }
        guard first else { return }
        DedicatedThread.start("webhook") { [self] in
            run()
            exited.signal()
        }
    }

    /// Queues `event`; never blocks.
    public func enqueue(_ event: LabelEvent) {
        if !queue.push(event) { counters.withLock { $0.abandoned += 1 } }
    }

    public var stats: Stats {
        var s = counters.withLock { $0 }
        s.dropped = queue.dropped
        return s
    }

    /// Stops taking events, gives queued ones up to `drain` seconds (one attempt each, no more retries),
    /// then aborts the transfer in flight. Blocks until the thread has exited (at most ~`drain` + 1 s).
    public func stop(drain: Double = 2) {
        requestStop(drain: drain)
        waitStopped()
    }

    /// The first half of `stop`: returns at once (so several receivers drain at the same time).
    public func requestStop(drain: Double = 2) {
        let t = Monotonic.nanoseconds() + UInt64(max(0, drain) * 1e9)
        _ = abortAfter.compareExchange(expected: 0, desired: t, ordering: .relaxed)
        queue.close()
    }

    /// The second half of `stop`: blocks until the thread has exited.
    public func waitStopped() {
        let started = state.withLock { $0.started }
        if started { exited.wait() }
        let rest = queue.drainRemaining().count
        if rest > 0 { counters.withLock { $0.abandoned += rest } }
        state.withLock { $0.started = false }
    }

    // MARK: the sender thread

    enum Outcome {
        case delivered
        case retryable(String)
        case final(String)
    }

    private func run() {
        guard let easy = curl_easy_init() else {
            OperationalLog.error("events", "webhook \(redactedURL): curl_easy_init failed (out of memory?); its events are dropped")
            while queue.pop() != nil { counters.withLock { $0.abandoned += 1 } }
            return
        }
        defer { curl_easy_cleanup(easy) }
        while let event = queue.pop() {
            if pastAbort() {
                counters.withLock { $0.abandoned += 1 }
                continue
            }
            let body = event.json()
            var attempt = 0
            while true {
                switch post(easy, body) {
                case .delivered:
                    counters.withLock { $0.delivered += 1 }
                    noteHealthy()
                case .final(let why):
                    counters.withLock { $0.failed += 1 }
                    noteFailing(why, fix: "make the receiver accept a JSON POST (2xx), or remove it from events.webhooks")
                case .retryable(let why):
                    if attempt < retryDelays.count, !queue.isClosed {
                        counters.withLock { $0.retries += 1 }
                        noteFailing(why, fix: "check that the receiver runs; camsift retries after \(retryDelays.map { "\(JSONValueFormat.seconds($0))" }.joined(separator: ", "))")
                        if queue.sleep(retryDelays[attempt]) {
                            attempt += 1
                            continue
                        }
                    }
                    counters.withLock { if queue.isClosed { $0.abandoned += 1 } else { $0.failed += 1 } }
                    noteFailing(why, fix: "check that the receiver runs and answers within \(JSONValueFormat.seconds(timeout)) (events.webhooks timeout)")
                }
                break
            }
        }
    }

    private func pastAbort() -> Bool {
        let t = abortAfter.load(ordering: .relaxed)
        return t != 0 && Monotonic.nanoseconds() > t
    }

    /// Called by libcurl during a transfer: non-zero aborts it.
    fileprivate func progressTick() -> Int32 { pastAbort() ? 1 : 0 }

    private func post(_ easy: UnsafeMutableRawPointer, _ body: [UInt8]) -> Outcome {
        curl_easy_reset(easy)
        let me = Unmanaged.passUnretained(self).toOpaque()
        var headers: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Content-Type: application/json")
        headers = curl_slist_append(headers, "Expect:")  // no 100-continue round trip
        defer { curl_slist_free_all(headers) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        var rc = ccurl_easy_setopt_str(easy, CURLOPT_URL, url)
        func set(_ r: CURLcode) { if rc == CURLE_OK { rc = r } }
        set(ccurl_easy_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        set(ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        set(ccurl_easy_setopt_long(easy, CURLOPT_POST, 1))
        set(ccurl_easy_setopt_long(easy, CURLOPT_POSTFIELDSIZE, body.count))
        set(body.withUnsafeBufferPointer { ccurl_easy_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) })
        set(ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headers))
        set(ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000))))
        set(ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(timeout * 1000))))
        set(ccurl_easy_setopt_str(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(ccurl_easy_setopt_str(easy, CURLOPT_USERAGENT, "camsift/1"))
        set(ccurl_easy_setopt_writefn(easy, webhookDiscardBody))
        set(ccurl_easy_setopt_xferinfofn(easy, webhookProgress))
        set(ccurl_easy_setopt_ptr(easy, CURLOPT_XFERINFODATA, me))
        set(ccurl_easy_setopt_long(easy, CURLOPT_NOPROGRESS, 0))
        guard rc == CURLE_OK else {
            return .final("cannot configure the transfer: \(String(cString: curl_easy_strerror(rc)))")
        }
        let result = curl_easy_perform(easy)
        guard result == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let why = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
            return .retryable(result == CURLE_ABORTED_BY_CALLBACK ? "aborted at shutdown" : why)
        }
        var status = 0
        _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        switch status {
        case 200..<300: return .delivered
        case 408, 429, 500..<600: return .retryable("answered HTTP \(status)")
        default: return .final("answered HTTP \(status)")
        }
    }

    /// Logs the first failure of a run of failures (and the recovery), not one line per event.
    private func noteFailing(_ why: String, fix: String) {
        let first = state.withLock { s -> Bool in
            defer { s.failing = true }
            return !s.failing
        }
        if first { OperationalLog.warning("events", "webhook \(redactedURL): \(why) — \(fix)") }
    }

    private func noteHealthy() {
        let was = state.withLock { s -> Bool in
            defer { s.failing = false }
            return s.failing
        }
        if was { OperationalLog.info("events", "webhook \(redactedURL) delivers again") }
    }
}

enum JSONValueFormat {
    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}

private let webhookDiscardBody: curl_write_callback = { _, size, n, _ in size * n }

private let webhookProgress: ccurl_xferinfo_callback = { userp, _, _, _, _ in
    guard let userp else { return 0 }
    return Unmanaged<WebhookSender>.fromOpaque(userp).takeUnretainedValue().progressTick()
}

/// `curl_global_init` once per process before the first handle (Ingest has its own guard; libcurl ≥ 7.84
/// counts calls, so two are harmless).
enum CurlGlobal {
    private static let state = Mutex<CURLcode?>(nil)

    static func initialize() throws {
        let rc = state.withLock { s -> CURLcode in
            if let s { return s }
            let r = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
            s = r
            return r
        }
        guard rc == CURLE_OK else {
            throw EventsError(.resource, "curl_global_init failed: \(String(cString: curl_easy_strerror(rc))) — reinstall libcurl4 and restart camsift")
        }
    }
}
