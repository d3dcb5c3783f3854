#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The package root (tests run from it; derived from this file so it also works from elsewhere).
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The `camsift` binary under test: `$CAMSIFT_BIN` (make test points it at the release build) or the debug build.
let camsiftBinary: String = {
    if let b = ProcessInfo.processInfo.environment["CAMSIFT_BIN"], !b.isEmpty { return b }
    return packageRoot + "/.build/debug/camsift"
}()

struct TempDir {
    let path: String
    init(_ tag: String = "camsift-cli") {
        var template = Array("/tmp/\(tag)-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func write(_ name: String, _ text: String) {
        FileManager.default.createFile(atPath: file(name), contents: Data(text.utf8))
    }
    func mkdir(_ name: String) { try? FileManager.default.createDirectory(atPath: file(name), withIntermediateDirectories: true) }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

func readText(_ path: String) -> String {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
}

/// A child process with stdout/stderr captured to files (no pipe can fill up and block it).
final class Child {
    let process = Process()
    let stdoutPath: String
    let stderrPath: String

    init(_ executable: String, _ args: [String], environment: [String: String] = [:], in dir: TempDir,
         tag: String = UUID().uuidString) throws {
        stdoutPath = dir.file("\(tag).out")
        stderrPath = dir.file("\(tag).err")
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "WATCHDOG_USEC")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { readText(stdoutPath) }
    var stderr: String { readText(stderrPath) }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Exit status, or nil if still running after `timeout` seconds (then it is killed).
    func wait(timeout: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits (bounded) until stderr contains `text`.
    func waitForStderr(_ text: String, timeout: Double = 180) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stderr.contains(text) { return true }
            if !process.isRunning { return stderr.contains(text) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return stderr.contains(text)
    }
}

/// Runs `camsift ARGS` to completion (bounded at 60 s).
func camsift(_ args: [String], in dir: TempDir, environment: [String: String] = [:]) async throws
    -> (status: Int32?, out: String, err: String)
{
    let c = try Child(camsiftBinary, args, environment: environment, in: dir)
    let s = await c.wait(timeout: 60)
    return (s, c.stdout, c.stderr)
}

/// A real AF_UNIX datagram socket standing in for systemd's notify socket.
final class NotifyListener {
    let fd: Int32
    let address: String

    init(directory: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        precondition(fd >= 0)
        self.fd = fd
        var sa = sockaddr_un()
        sa.sun_family = sa_family_t(AF_UNIX)
        address = directory + "/notify.sock"
        let bytes = Array(address.utf8)
        withUnsafeMutableBytes(of: &sa.sun_path) { dst in for (i, b) in bytes.enumerated() { dst[i] = b } }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        precondition(rc == 0, "bind failed: \(errno)")
    }

    deinit { close(fd) }

    /// A datagram if one is queued (non-blocking).
    func poll() -> String? {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n], as: UTF8.self)
    }

    /// Datagrams until one satisfies `done` or `timeout` passes; returns the match and everything received.
    /// Polls with `Task.sleep` so waiting never holds a cooperative-pool thread, and always drains what is
    /// queued before giving up: when other suites keep the pool busy, a sleep may overrun the whole timeout.
    func receive(until done: (String) -> Bool, timeout: Double = 180) async -> (matched: String?, all: [String]) {
        let deadline = Date().addingTimeInterval(timeout)
        var all: [String] = []
        while true {
            while let m = poll() {
                all.append(m)
                if done(m) { return (m, all) }
            }
            if Date() >= deadline { return (nil, all) }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A registry + config in a temp dir, laid out like an install.
struct DaemonFixture {
    let dir = TempDir()
    var cameras: String { dir.file("cameras") }
    var state: String { dir.file("state") }
    var log: String { dir.file("log/classifications.jsonl") }
    var config: String { dir.file("camsift.json") }

    init(cameraCount: Int = 3) {
        dir.mkdir("cameras")
        for i in 0..<cameraCount { writeCamera(id: "cam-\(i)") }
        // metrics on port 0: tests run daemons side by side (and beside an installed one on 9464).
        dir.write("camsift.json", "{\"cameras\": \"\(cameras)\", \"state\": \"\(state)\", \"log\": \"\(log)\", \"metrics\": \"127.0.0.1:0\"}\n")
    }

    func writeCamera(id: String, interval: Double = 5) {
        dir.write("cameras/\(id).json",
                  "{\"id\": \"\(id)\", \"kind\": \"snapshot\", \"url\": \"http://127.0.0.1:9/\(id).jpg\", \"interval\": \(interval)}\n")
    }

    func startDaemon(notify: NotifyListener? = nil, extra: [String] = []) throws -> Child {
        try Child(camsiftBinary, ["run", "--config", config] + extra,
                  environment: notify.map { ["NOTIFY_SOCKET": $0.address] } ?? [:], in: dir, tag: "daemon")
    }
}
