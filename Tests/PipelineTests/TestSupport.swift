#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation

/// A fresh directory under /tmp, removed by `cleanup()`.
struct TempDir {
    let path: String
    init(_ tag: String = "camsift-test") {
        var template = Array("/tmp/\(tag)-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

func readLines(_ path: String) -> [String] {
    guard let d = FileManager.default.contents(atPath: path) else { return [] }
    var s = String(decoding: d, as: UTF8.self)
    if s.hasSuffix("\n") { s.removeLast() }
    return s.isEmpty ? [] : s.components(separatedBy: "\n")
}

func fileBytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }

func record(camera: String = "cam-1", label: String = "car", score: Double = 0.9, seq: Int = 0,
            extraTop: Int = 2) -> ClassificationRecord {
    ClassificationRecord(
        ts: Timestamp.rfc3339(1_795_000_000 + Double(seq) / 1000), camera: camera, label: label, score: score,
        model: "m-\(seq)", via: "fused",
        top: [.init(label: label, score: score)] + (0..<extraTop).map { .init(label: "other\($0)", score: 0.01) },
        latency_ms: Double(seq % 500))
}

/// Writes a registry camera file (the registry's camera format).
func writeCamera(_ dir: String, file: String? = nil, id: String, url: String? = nil, interval: Double = 5,
                 enabled: Bool = true) {
    let u = url ?? "http://127.0.0.1:9/\(id).jpg"
    let json = "{\"id\": \"\(id)\", \"kind\": \"snapshot\", \"url\": \"\(u)\", \"interval\": \(interval), \"enabled\": \(enabled)}\n"
    FileManager.default.createFile(atPath: dir + "/" + (file ?? "\(id).json"), contents: Data(json.utf8))
}

/// A real AF_UNIX datagram socket the test binds, standing in for systemd's notify socket.
final class NotifyListener {
    let fd: Int32
    /// What goes into `$NOTIFY_SOCKET`: a path, or `@name` for the abstract namespace.
    let address: String

    init(abstract: Bool = false, directory: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        precondition(fd >= 0)
        self.fd = fd
        var sa = sockaddr_un()
        sa.sun_family = sa_family_t(AF_UNIX)
        let name = abstract ? "camsift-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" : directory + "/notify.sock"
        var bytes = Array(name.utf8)
        if abstract { bytes.insert(0, at: 0) }
        withUnsafeMutableBytes(of: &sa.sun_path) { dst in for (i, b) in bytes.enumerated() { dst[i] = b } }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        precondition(rc == 0, "bind failed: \(errno)")
        address = abstract ? "@" + name : name
    }

    deinit { close(fd) }

    /// The next datagram, or nil after `timeout` seconds.
    func receive(timeout: Double) -> String? {
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n], as: UTF8.self)
    }

    /// Collects datagrams until one satisfies `done` (returned with all before it) or `timeout` passes.
    func receive(until done: (String) -> Bool, timeout: Double) -> (matched: String?, all: [String]) {
        let deadline = Date().addingTimeInterval(timeout)
        var all: [String] = []
        while Date() < deadline {
            guard let m = receive(timeout: max(0.01, deadline.timeIntervalSinceNow)) else { continue }
            all.append(m)
            if done(m) { return (m, all) }
        }
        return (nil, all)
    }
}

/// Polls `condition` every 20 ms for at most `timeout` seconds (a bounded wait, not a timing assertion).
/// Sleeps with `Task.sleep`, so the cooperative pool stays free for the daemon under test. Generous: other
/// suites running in parallel can keep both pool threads busy for minutes on a 2-core machine (debug builds).
func waitFor(timeout: Double = 180, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
