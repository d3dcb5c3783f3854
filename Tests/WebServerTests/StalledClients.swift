import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `count` connections that never finish a request: even ones send half a request line, odd ones nothing. The
/// attack the old accept loop fell to (66 of these made /metrics time out).
final class StalledClients {
    private(set) var fds: [Int32] = []

    init(port: Int, count: Int) throws {
        for i in 0..<count {
            let fd = try RawHTTP.connect(port: port)
            if i % 2 == 0 { RawHTTP.write(fd, Array("GET /metr".utf8)) }
            fds.append(fd)
        }
    }

    deinit {
        for fd in fds { close(fd) }
    }

    /// Waits until the server has closed every connection (EOF or reset), up to `seconds`; returns how many it
    /// closed.
    func waitUntilClosed(within seconds: Double) -> Int {
        var open = Set(fds)
        let deadline = Date().addingTimeInterval(seconds)
        var buf = [UInt8](repeating: 0, count: 4096)
        while !open.isEmpty && Date() < deadline {
            var pfds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&pfds, nfds_t(pfds.count), 100) > 0 else { continue }
            for p in pfds where p.revents != 0 {
                let n = recv(p.fd, &buf, buf.count, Int32(MSG_DONTWAIT))
                if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { open.remove(p.fd) }
            }
        }
        return fds.count - open.count
    }
}

/// Milliseconds one `Connection: close` GET takes, connect to EOF.
func timedGet(port: Int, _ path: String) throws -> (ms: Double, status: Int) {
    let start = DispatchTime.now().uptimeNanoseconds
    let r = try RawHTTP.request(port: port, path)
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6, r.status)
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s[s.count / 2]
}
