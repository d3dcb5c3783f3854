import CamsiftCore
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 responder for `GET /metrics` (Prometheus text format 0.0.4), on its own thread.
///
/// It serves one request per connection (`Connection: close`) with a 2 s read timeout, which is all a
/// scraper needs; anything else gets 404/405. It binds loopback by default (`127.0.0.1:9464`) because the
/// metrics name cameras.
public final class MetricsServer: Sendable {
    public let host: String
    /// The bound port (useful when constructed with port 0).
    public let port: Int
    private let fd: Int32
    private let stopping = Atomic<Bool>(false)
    private let registry: MetricsRegistry
    private let finished = Mutex<Bool>(false)

    /// Binds at once so a taken port is an error at start-up, not a silent failure later.
    public init(address: String, registry: MetricsRegistry) throws(PipelineError) {
        let (h, p) = try Self.split(address)
        host = h
        self.registry = registry
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw .system("metrics socket()", errno) }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(p).bigEndian)
        guard inet_pton(AF_INET, h, &addr.sin_addr) == 1 else {
            close(s)
            throw .config("metrics address '\(address)': '\(h)' is not an IPv4 address — use e.g. 127.0.0.1:9464")
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0, listen(s, 64) == 0 else {
            let e = errno
            close(s)
            throw .system("metrics bind \(address) (another camsift or exporter on that port? set \"metrics\" in the config)", e)
        }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        port = Int(UInt16(bigEndian: bound.sin_port))
        fd = s
    }

    static func split(_ address: String) throws(PipelineError) -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let p = Int(address[address.index(after: colon)...]),
              (0...65535).contains(p) else {
            throw .config("metrics address '\(address)' must be HOST:PORT, e.g. 127.0.0.1:9464")
        }
        return (String(address[..<colon]), p)
    }

    /// Starts the accept loop on a dedicated thread.
    public func start() {
        let t = Thread { [self] in self.acceptLoop() }
        t.name = "camsift-metrics"
        t.start()
    }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        shutdown(fd, Int32(SHUT_RDWR))
        // Wait (bounded) for the loop to leave before closing the fd it polls.
        for _ in 0..<50 where !finished.withLock({ $0 }) { usleep(10_000) }
        close(fd)
    }

    private func acceptLoop() {
        defer { finished.withLock { $0 = true } }
        while !stopping.load(ordering: .acquiring) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&pfd, 1, 200)
            if r <= 0 { continue }
            let c = accept(fd, nil, nil)
            if c < 0 { continue }
            _ = fcntl(c, F_SETFD, FD_CLOEXEC)
            serve(c)
            close(c)
        }
    }

    private func serve(_ c: Int32) {
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var request = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while request.count < 16384 {
            let n = read(c, &buf, buf.count)
            if n <= 0 { return }
            request += buf[0..<n]
            if request[...].containsCRLFCRLF { break }
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let response: String
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            let body = registry.render()
            response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        } else if parts.count >= 2, parts[0] != "GET" {
            response = "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        } else {
            let body = "camsift serves /metrics only\n"
            response = "HTTP/1.1 404 Not Found\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        }
        var bytes = Array(response.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(c, $0.baseAddress! + off, $0.count - off) }
            if n <= 0 { return }
            off += n
        }
    }
}

extension ArraySlice where Element == UInt8 {
    fileprivate var containsCRLFCRLF: Bool {
        guard count >= 4 else { return false }
        var i = startIndex
        while i + 3 < endIndex {
            if self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 { return true }
            i += 1
        }
        return false
    }
}
