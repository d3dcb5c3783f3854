import Foundation
import Synchronization

/// A misbehaving IP camera on 127.0.0.1 for the fault matrix: one thread per connection, real JPEGs.
///
/// URL shape: `/<kind>/<name>?fault=<fault>&faulty=<K>` with kind `mjpeg` or `snap`. The first K connections
/// (default: all) to a name get the fault, later ones a healthy answer, so a test can see both "parked in the
/// right state" (K = all) and "recovered after the fault" (K = 1).
final class FaultCameraServer: @unchecked Sendable {
    let port: Int
    private let listenFD: Int32
    private let frames: [[UInt8]]
    private let stopping = Atomic<Bool>(false)
    private let clients = Mutex<Set<Int32>>([])
    private let counts = Mutex<[String: Int]>([:])
    private let firstSeen = Mutex<[String: ContinuousClock.Instant]>([:])
    var fps = 10.0

    init(frames: [[UInt8]]) throws {
        self.frames = frames
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listenFD = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, 4)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp in
                bind(fd, sp, len) == 0 && getsockname(fd, sp, &len) == 0
            }
        }
        guard ok, listen(fd, 512) == 0 else { throw TestFailure("fault server cannot listen: errno \(errno)") }
        port = Int(UInt16(bigEndian: addr.sin_port))
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    func url(_ kind: String, _ name: String, _ query: String = "") -> String {
        "http://127.0.0.1:\(port)/\(kind)/\(name)" + (query.isEmpty ? "" : "?" + query)
    }

    /// When the first request for each camera name arrived.
    func firstRequests() -> [String: ContinuousClock.Instant] { firstSeen.withLock { $0 } }

    /// Requests seen for a camera name.
    func connections(_ name: String) -> Int { counts.withLock { $0[name] ?? 0 } }

    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
        clients.withLock { for fd in $0 { shutdown(fd, Int32(SHUT_RDWR)) } }
    }

    private func acceptLoop() {
        while !stopping.load(ordering: .acquiring) {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 { if stopping.load(ordering: .acquiring) { return } else { continue } }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, 4)
            clients.withLock { _ = $0.insert(fd) }
            let t = Thread { [self] in
                serve(fd)
                clients.withLock { _ = $0.remove(fd) }
                close(fd)
            }
            t.start()
        }
    }

    // MARK: connection

    private func serve(_ fd: Int32) {
        var pending: [UInt8] = []
        while !stopping.load(ordering: .acquiring) {
            guard let request = readRequest(fd, &pending) else { return }
            let (path, query) = split(request)
            let parts = path.split(separator: "/").map(String.init)
            guard parts.count >= 2 else { _ = send(fd, status: 404); return }
            let name = parts[1]
            let arrived = ContinuousClock.now
            firstSeen.withLock { if $0[name] == nil { $0[name] = arrived } }
            let n = counts.withLock { c -> Int in
                c[name, default: 0] += 1
                return c[name]!
            }
            let faulty = Int(query["faulty"] ?? "") ?? Int.max
            let fault = n <= faulty ? (query["fault"] ?? "none") : "none"
            let keepOpen: Bool
            switch parts[0] {
            case "mjpeg": mjpeg(fd, fault: fault, query: query); keepOpen = false
            case "mjpg" where name == "video.mjpg": mjpeg(fd, fault: "none", query: [:]); keepOpen = false  // Axis path
            case "snap": keepOpen = snapshot(fd, fault: fault, request: n, query: query)
            case "loop":
                keepOpen = write(fd, "HTTP/1.1 302 Found\r\nLocation: /loop/\(name)\r\nContent-Length: 0\r\n\r\n")
            case "html":
                keepOpen = write(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
            default: _ = send(fd, status: 404); keepOpen = false
            }
            if !keepOpen { return }
        }
    }

    private func readRequest(_ fd: Int32, _ pending: inout [UInt8]) -> String? {
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            if let r = pending.firstRange(of: [13, 10, 13, 10]) {
                let head = String(decoding: pending[..<r.lowerBound], as: UTF8.self)
                pending.removeSubrange(..<r.upperBound)
                return head
            }
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { return nil }
            if pending.isEmpty && buf[0] == 0x16 {
                // A TLS ClientHello on this plain port: answer like nginx does, in plain text.
                write(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return nil
            }
            pending += buf[0..<n]
        }
    }

    private func split(_ request: String) -> (String, [String: String]) {
        let line = request.split(separator: "\r\n").first.map(String.init) ?? ""
        let target = line.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let pieces = target.split(separator: "?", maxSplits: 1).map(String.init)
        var q: [String: String] = [:]
        if pieces.count > 1 {
            for kv in pieces[1].split(separator: "&") {
                let p = kv.split(separator: "=", maxSplits: 1).map(String.init)
                q[p[0]] = p.count > 1 ? p[1] : ""
            }
        }
        return (pieces[0], q)
    }

    @discardableResult
    func write(_ fd: Int32, _ s: String) -> Bool { write(fd, Array(s.utf8)) }

    @discardableResult
    func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    private func send(_ fd: Int32, status: Int) -> Bool {
        write(fd, "HTTP/1.1 \(status) Nope\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nnope")
    }

    func pause(_ seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if stopping.load(ordering: .acquiring) { return false }
            usleep(UInt32(min(0.05, max(0, end.timeIntervalSinceNow)) * 1_000_000))
        }
        return true
    }

    func frame(_ i: Int) -> [UInt8] { frames[i % frames.count] }
}
