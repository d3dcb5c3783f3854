import Foundation
import Synchronization

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

enum Net {
    /// A port nobody listens on right now (bind to 0, read it back, close).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = loopback(0)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { throw TestFailure("bind failed: errno \(errno)") }
        return port(of: fd)
    }

    static func loopback(_ port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }

    static func port(of fd: Int32) -> Int {
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = loopback(port)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
func eventually(_ timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let end = Date(timeIntervalSinceNow: timeout)
    while Date() < end {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// A real Debian mosquitto on 127.0.0.1 with a temp config (`listener PORT 127.0.0.1`, anonymous), no
/// persistence: a restart forgets retained messages.
final class MosquittoBroker: @unchecked Sendable {
    let port: Int
    let dir: String
    private var process: Process?

    init() throws {
        dir = NSTemporaryDirectory() + "camsift-mosquitto-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        port = try Net.freePort()
        try "listener \(port) 127.0.0.1\nallow_anonymous true\n".write(toFile: dir + "/mosquitto.conf", atomically: true, encoding: .utf8)
        try start()
    }

    var url: String { "mqtt://127.0.0.1:\(port)" }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/mosquitto")
        p.arguments = ["-c", dir + "/mosquitto.conf"]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        process = p
        guard eventually(10, { Net.accepts(port) }) else { throw TestFailure("mosquitto did not listen on \(port)") }
    }

    /// SIGKILL, as a crash or an abrupt restart would (and children of the test runner inherit its blocked
    /// SIGTERM, so `terminate()` would not end them).
    func kill() {
        guard let p = process else { return }
        Glibc.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    func stop() {
        kill()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// `mosquitto_sub` (Debian mosquitto-clients) as a child process; each line is `retain topic payload`.
final class Subscriber: @unchecked Sendable {
    private let process = Process()
    private let buffer = Mutex<(text: String, lines: [String])>(("", []))

    init(port: Int, topic: String, extra: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_sub")
        process.arguments = ["-h", "127.0.0.1", "-p", "\(port)", "-q", "1", "-t", topic, "-F", "%r %t %p"] + extra
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        pipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let data = h.availableData
            guard !data.isEmpty else { h.readabilityHandler = nil; return }
            self?.buffer.withLock { b in
                b.text += String(decoding: data, as: UTF8.self)
                while let nl = b.text.firstIndex(of: "\n") {
                    b.lines.append(String(b.text[..<nl]))
                    b.text = String(b.text[b.text.index(after: nl)...])
                }
            }
        }
        try process.run()
    }

    var lines: [String] { buffer.withLock { $0.lines } }

    /// Lines on `topic`, as (retained, payload).
    func messages(_ topic: String) -> [(retained: Bool, payload: String)] {
        lines.compactMap { line in
            let f = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3, f[1] == topic else { return nil }
            return (f[0] == "1", String(f[2]))
        }
    }

    /// SIGKILL: children of the test runner inherit its blocked SIGTERM, so `terminate()` would not end them.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Connects, takes the retained message of `topic` (or nothing within `wait` seconds), disconnects.
    /// Reads the pipe to its end (no readability handler), killing the child at the deadline.
    static func retained(port: Int, topic: String, wait: Int = 5) throws -> (retained: Bool, payload: String)? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_sub")
        // Not `-W`: its SIGALRM is blocked in children of the test runner.
        p.arguments = ["-h", "127.0.0.1", "-p", "\(port)", "-q", "1", "-t", topic, "-F", "%r %t %p", "-C", "1"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        let pid = p.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(wait)) { kill(pid, SIGKILL) }
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let f = (out.split(separator: "\n").first ?? "").split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard f.count == 3, f[1] == topic else { return nil }
        return (f[0] == "1", String(f[2]))
    }
}

/// A tiny HTTP/1.1 receiver on 127.0.0.1: records each request body and answers as `behavior` says
/// (by request index).
final class HTTPReceiver: @unchecked Sendable {
    enum Answer: Sendable {
        case status(Int)
        /// Accept, read the request, never answer (until the receiver stops).
        case hang
        /// Answer `status` once `gate` is signalled.
        case after(DispatchSemaphore, Int)
    }

    let port: Int
    private let listener: Int32
    private let behavior: @Sendable (Int) -> Answer
    private let state = Mutex<(bodies: [String], headers: [String], open: [Int32], stopped: Bool)>(([], [], [], false))

    init(_ behavior: @escaping @Sendable (Int) -> Answer) throws {
        self.behavior = behavior
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = Net.loopback(0)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw TestFailure("receiver cannot listen: errno \(errno)")
        }
        listener = fd
        port = Net.port(of: fd)
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }
    var bodies: [String] { state.withLock { $0.bodies } }
    var requestHeaders: [String] { state.withLock { $0.headers } }

    func stop() {
        let fds = state.withLock { s -> [Int32] in
            s.stopped = true
            defer { s.open = [] }
            return s.open
        }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in fds { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if state.withLock({ $0.stopped }) { return }
                if errno == EINTR { continue }
                return
            }
            let t = Thread { [self] in serve(fd) }
            t.start()
        }
    }

    private func serve(_ fd: Int32) {
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        var length = 0
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { close(fd); return }
            data += buf[0..<n]
            if headerEnd == nil, let r = find(data, Array("\r\n\r\n".utf8)) {
                headerEnd = r + 4
                let head = String(decoding: data[..<r], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let h = headerEnd, data.count >= h + length { break }
        }
        let h = headerEnd!
        let index = state.withLock { s -> Int in
            s.bodies.append(String(decoding: data[h..<(h + length)], as: UTF8.self))
            s.headers.append(String(decoding: data[..<h], as: UTF8.self))
            s.open.append(fd)
            return s.bodies.count - 1
        }
        let status: Int
        switch behavior(index) {
        case .hang: return  // closed by stop()
        case .status(let s): status = s
        case .after(let gate, let s):
            gate.wait()
            status = s
        }
        let reply = "HTTP/1.1 \(status) X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        _ = reply.withCString { write(fd, $0, strlen($0)) }
        let mine = state.withLock { s -> Bool in
            guard let i = s.open.firstIndex(of: fd) else { return false }
            s.open.remove(at: i)
            return true
        }
        if mine { close(fd) }
    }

    private func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}
