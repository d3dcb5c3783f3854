/// What one server accepts before a handler runs. The defaults suit the console and a Prometheus scraper on a
/// small box: enough connections that stalled clients cannot crowd out real ones, short enough timeouts that
/// they are closed soon, and request sizes far above anything the console sends.
public struct HTTPLimits: Sendable {
    /// Open connections at once (libmicrohttpd's `MHD_OPTION_CONNECTION_LIMIT`); more are accepted and closed.
    /// There is deliberately no per-IP limit: every local scraper and the operator's browser share 127.0.0.1,
    /// and a per-IP cap would lock them all out as soon as one local process stalls connections.
    public var maxConnections: Int = 1024
    /// A connection with no traffic for this long is closed (`MHD_OPTION_CONNECTION_TIMEOUT`, whole seconds,
    /// at least 1): this is what frees slots held by clients that connect and never finish a request.
    public var idleTimeout: Duration = .seconds(10)
    /// Request line plus headers; more is answered 431.
    public var maxHeaderBytes: Int = 8 * 1024
    /// The request target (path and query); longer is answered 414.
    public var maxURLBytes: Int = 2 * 1024
    /// A POST body; a larger `Content-Length` is answered 413 before any of it is read, and a chunked upload that
    /// grows past it has its connection closed.
    public var maxBodyBytes: Int = 1024 * 1024
    /// libmicrohttpd polling threads, each with its own epoll set (`MHD_OPTION_THREAD_POOL_SIZE` when > 1). Two
    /// let one slow handler (a large JPEG, a SQLite query) run while the other thread keeps answering.
    public var threads: Int = 2

    /// The methods served; any other is answered 405 with `Allow`.
    public static let allowedMethods: Set<String> = ["GET", "HEAD", "POST"]

    public init(maxConnections: Int = 1024, idleTimeout: Duration = .seconds(10), maxHeaderBytes: Int = 8 * 1024,
                maxURLBytes: Int = 2 * 1024, maxBodyBytes: Int = 1024 * 1024, threads: Int = 2) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.maxURLBytes = maxURLBytes
        self.maxBodyBytes = maxBodyBytes
        self.threads = threads
    }

    /// `idleTimeout` in the whole seconds MHD takes, rounded up so a sub-second timeout is not "never" (0).
    var idleTimeoutSeconds: UInt32 {
        let (s, atto) = idleTimeout.components
        return UInt32(clamping: max(1, s + (atto > 0 ? 1 : 0)))
    }

    /// MHD's per-connection memory pool: it holds the request line and headers while they are read, plus the
    /// response headers. Sized so our own 431/414 checks (with their clearer bodies) see anything up to the limits,
    /// with room to spare; a request beyond even this is refused by MHD itself with the same status codes.
    var connectionMemoryLimit: Int { max(32 * 1024, 2 * (maxHeaderBytes + maxURLBytes) + 8 * 1024) }
}
