import CamsiftCore
import CMicroHTTPD
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server on GNU libmicrohttpd: the one listener behind `/metrics` and the operator console.
///
/// Why MHD and not our own loop: it is a maintained C server that already has what a daemon's HTTP port needs
/// — a connection limit, per-connection idle timeouts, bounded per-connection memory, and an epoll loop on its
/// own threads — so a client that connects and stalls costs one idle socket, never the next client's answer.
///
/// `init` binds at once (so a taken port fails start-up with a clear error); `start` begins serving on
/// `HTTPLimits.threads` polling threads (epoll); `stop` closes the listener and every connection, promptly, and
/// may be called any number of times. Handlers run on the polling threads (see `HTTPHandler`).
public final class HTTPServer: Sendable {
    /// The host part of the address, as configured.
    public let host: String
    /// The bound port (the one the kernel chose when the address said port 0).
    public let port: Int
    public let limits: HTTPLimits
    public let access: AccessPolicy
    private let pipeline: RequestPipeline
    private let display: String
    private let state: Mutex<State>

    /// `@unchecked` because of the daemon pointer: it leaves the lock only in `stop`, which swaps in `.stopped`
    /// first, so exactly one caller ever passes it to `MHD_stop_daemon`.
    private enum State: @unchecked Sendable {
        case bound(fd: Int32)
        case running(daemon: OpaquePointer)
        case stopped
    }

    /// Binds `address` (`HOST:PORT`). `configKey` names the config field that holds it, so errors can say what to
    /// change (`console`, or `metrics` for the metrics listener).
    public init(address: String, limits: HTTPLimits = HTTPLimits(), access: AccessPolicy = .loopback,
                configKey: String = "console", handler: any HTTPHandler) throws(WebServerError) {
        let endpoint = try ListenAddress(parsing: address, configKey: configKey)
        let (fd, bound) = try endpoint.bindListeningSocket(backlog: Int32(clamping: min(4096, max(64, limits.maxConnections))),
                                                           configKey: configKey)
        host = endpoint.host
        port = bound
        display = endpoint.isIPv6 ? "[\(endpoint.host)]:\(bound)" : "\(endpoint.host):\(bound)"
        self.limits = limits
        self.access = access
        pipeline = RequestPipeline(limits: limits, access: access, handler: handler)
        state = Mutex(.bound(fd: fd))
    }

    /// Requests whose state is still held (tests: 0 after the last request completed).
    var requestsInFlight: Int { pipeline.requestStates.load(ordering: .relaxed) }

    deinit {
        stop()
    }

    /// Starts serving. Throws if already stopped, or if libmicrohttpd cannot start (threads, epoll); starting twice
    /// is harmless.
    public func start() throws(WebServerError) {
        try state.withLock { (state: inout State) throws(WebServerError) in
            switch state {
            case .running: return
            case .stopped:
                throw WebServerError(.library, "the HTTP server on \(display) was stopped; create a new one to serve again")
            case .bound(let fd):
                state = .running(daemon: try startDaemon(listening: fd))
            }
        }
    }

    /// Stops serving: MHD closes the listener and every connection and joins its threads. Prompt (no request
    /// is awaited beyond the one a handler is running) and idempotent. Never call it from a handler: it would
    /// wait for its own thread.
    public func stop() {
        let previous = state.withLock { (state: inout State) -> State in
            defer { state = .stopped }
            return state
        }
        switch previous {
        case .bound(let fd): close(fd)
        case .running(let daemon): MHD_stop_daemon(daemon)   // also closes the listening socket it was given
        case .stopped: break
        }
    }

    private func startDaemon(listening fd: Int32) throws(WebServerError) -> OpaquePointer {
        let threadFlags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue | MHD_USE_ITC.rawValue
        let flags = threadFlags | MHD_USE_ERROR_LOG.rawValue
        let cls = Unmanaged.passUnretained(pipeline).toOpaque()
        var options: [MHD_OptionItem] = [
            // First, or MHD prints what it meets before it to stderr itself.
            .init(option: .EXTERNAL_LOGGER, value: unsafeBitCast(MHDCallbacks.logger, to: Int.self), ptr_value: nil),
            .init(option: .LISTEN_SOCKET, value: Int(fd), ptr_value: nil),
            .init(option: .CONNECTION_LIMIT, value: max(1, limits.maxConnections), ptr_value: nil),
            .init(option: .CONNECTION_TIMEOUT, value: Int(limits.idleTimeoutSeconds), ptr_value: nil),
            .init(option: .CONNECTION_MEMORY_LIMIT, value: limits.connectionMemoryLimit, ptr_value: nil),
            .init(option: .URI_LOG_CALLBACK, value: unsafeBitCast(MHDCallbacks.uriLog, to: Int.self), ptr_value: cls),
            .init(option: .NOTIFY_COMPLETED, value: unsafeBitCast(MHDCallbacks.completed, to: Int.self), ptr_value: cls),
        ]
        if limits.threads > 1 {
            options.append(.init(option: .THREAD_POOL_SIZE, value: limits.threads, ptr_value: nil))
        }
        options.append(.init(option: .END, value: 0, ptr_value: nil))
        let daemon = options.withUnsafeMutableBufferPointer { items in
            withVaList([MHD_OPTION.ARRAY.rawValue, items.baseAddress!, MHD_OPTION.END.rawValue]) { args in
                MHD_start_daemon_va(flags, 0, nil, nil, MHDCallbacks.access, cls, args)
            }
        }
        return try MHDCall.check(daemon, "MHD_start_daemon on \(display) (\(limits.threads) thread(s), epoll)")
    }
}
