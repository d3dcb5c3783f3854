import CamsiftCore
import Synchronization
import WebServer

/// The daemon's HTTP endpoint: `GET /metrics` (Prometheus text format 0.0.4) and, when a `fallback` handler is
/// set, every other path (the operator console shares the listener).
///
/// It runs on `WebServer.HTTPServer` (libmicrohttpd: epoll polling threads, a connection limit and idle
/// timeouts), so clients that connect and stall are closed by their timeout and never delay a scrape; the
/// hand-written accept loop this replaces served one connection at a time and timed out behind 66 idle ones.
///
/// Access: by default loopback-only when bound to a loopback address (the metrics name cameras). Bound
/// elsewhere without an explicit policy it keeps the old behaviour — `/metrics` open to any client, for a
/// Kubernetes pod scraped over its own IP (restrict the port with a NetworkPolicy) — but then the fallback is
/// served to loopback clients only: the console is never open to a network without a token
/// (`AccessPolicy.resolve`).
///
/// As a daemon service, `run()` serves until the group shuts down; `start()`/`stop()` drive it by hand.
public final class MetricsServer: Service {
    public let host: String
    /// The bound port (useful when constructed with port 0).
    public let port: Int
    public var access: AccessPolicy { server.access }
    private let server: HTTPServer
    private let router: MetricsRouter

    /// Binds at once so a taken port is an error at start-up, not a silent failure later.
    public init(address: String, registry: MetricsRegistry, access: AccessPolicy? = nil,
                fallback: (any HTTPHandler)? = nil, limits: HTTPLimits = HTTPLimits()) throws(PipelineError) {
        let policy = access ?? Self.defaultAccess(address)
        router = MetricsRouter(registry: registry, fallback: fallback,
                               fallbackNeedsLoopback: policy.clients == .any && !policy.requiresToken)
        do throws(WebServerError) {
            server = try HTTPServer(address: address, limits: limits, access: policy, configKey: "metrics", handler: router)
        } catch {
            throw Self.pipelineError(error, address: address)
        }
        host = server.host
        port = server.port
    }

    /// Served for every path but `/metrics`; nil answers 404. Set it before `start()` (later is allowed and
    /// takes effect for the next request).
    public var fallback: (any HTTPHandler)? {
        get { router.fallback.withLock { $0 } }
        set { router.fallback.withLock { $0 = newValue } }
    }

    /// Serves until the group shuts the daemon down (after the pipeline drained).
    public func run() async throws {
        do {
            try server.start()
        } catch {
            throw Self.pipelineError(error, address: "\(host):\(port)")
        }
        reportServiceStarted()
        try? await gracefulShutdown()
        await DedicatedThread.run("camsift-metrics-stop") { [self] in stop() }
    }

    /// Starts serving on libmicrohttpd's threads; a failure to start is logged (the daemon runs without /metrics).
    public func start() {
        do {
            try server.start()
        } catch {
            OperationalLog.error("metrics", "no /metrics endpoint: \(error)")
        }
    }

    /// Closes the listener and every connection; idempotent.
    public func stop() {
        server.stop()
    }

    /// Loopback for a loopback address; `.open` otherwise (an unparsable address fails in `HTTPServer` next).
    private static func defaultAccess(_ address: String) -> AccessPolicy {
        (try? AccessPolicy.resolve(address: address, tokenFile: "")) ?? .open
    }

    private static func pipelineError(_ error: WebServerError, address: String) -> PipelineError {
        let code: PipelineError.Code = error.code == .invalidAddress || error.code == .accessPolicy
            || error.code == .tokenFile ? .config : .io
        return PipelineError(code, "metrics endpoint \(address): \(error.message)", cause: error.cause)
    }
}

/// `/metrics` itself, then the fallback. A class only so `MetricsServer` can swap the fallback under its lock
/// while libmicrohttpd's threads read it.
private final class MetricsRouter: HTTPHandler {
    let registry: MetricsRegistry
    let fallback: Mutex<(any HTTPHandler)?>
    /// The policy lets any client in without a token, so the fallback (the console) answers loopback clients only.
    let fallbackNeedsLoopback: Bool

    init(registry: MetricsRegistry, fallback: (any HTTPHandler)?, fallbackNeedsLoopback: Bool) {
        self.registry = registry
        self.fallback = Mutex(fallback)
        self.fallbackNeedsLoopback = fallbackNeedsLoopback
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        if request.path == "/metrics" {
            guard request.method == "GET" || request.method == "HEAD" else {
                var r = HTTPResponse.status(405, "/metrics answers GET and HEAD")
                r.headers.append(("Allow", "GET, HEAD"))
                return r
            }
            return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                body: Array(registry.render().utf8))
        }
        guard let handler = fallback.withLock({ $0 }) else {
            return .status(404, "camsift serves /metrics only")
        }
        if fallbackNeedsLoopback && !request.isLoopback {
            return .status(403, "the console on a non-loopback address needs \"consoleTokenFile\"")
        }
        return handler.respond(to: request)
    }
}
