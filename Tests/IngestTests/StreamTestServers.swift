import CamsiftCore
import Foundation
import Synchronization

/// Real servers for the stream tests: nginx with libnginx-mod-rtmp on 127.0.0.1 and the ffmpeg CLI
/// publishing Debian opencv-doc's vtest.avi. Every process is started by pid and stopped by pid.
enum StreamTestServers {
    static let video = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
    static let rtmpModule = ["/usr/lib/nginx/modules/ngx_rtmp_module.so", "/usr/share/nginx/modules/ngx_rtmp_module.so"]
        .first { FileManager.default.fileExists(atPath: $0) }

    /// A port the kernel just handed out on 127.0.0.1 (bound to port 0, then released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        _ = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// The last 1000 characters of a server's log, for a setup error: the temp dir holding the log is removed
    /// when setup fails, so the error quotes it instead of pointing at it.
    static func logTail(_ path: String) -> String {
        String(((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").suffix(1000))
    }

    static func tempDir(_ tag: String) -> String {
        let d = NSTemporaryDirectory() + "camsift-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// True once something accepts TCP connections on 127.0.0.1:`port` (bounded wait).
    static func waitForListen(_ port: Int, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = UInt16(port).bigEndian
            let rc = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if rc == 0 { return true }
            usleep(50_000)
        }
        return false
    }
}

/// A child process we started; `kill()` sends SIGKILL to exactly its pid.
final class ChildProcess: @unchecked Sendable {
    let process = Process()

    init(_ tool: String, _ args: [String], log: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = args
        process.standardInput = FileHandle.nullDevice
        if let log, FileManager.default.createFile(atPath: log, contents: nil), let h = FileHandle(forWritingAtPath: log) {
            process.standardOutput = h
            process.standardError = h
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    /// SIGKILL (the "server crashed" fault) and reap, bounded.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        waitExit()
    }

    /// SIGTERM, then SIGKILL if it lingers.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        waitExit(seconds: 3)
        if process.isRunning { kill() }
    }

    private func waitExit(seconds: Double = 5) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
    }

    deinit { stop() }
}

/// nginx + rtmp module on a random loopback port, single process (`master_process off`) so a SIGKILL takes
/// the whole server down like a crash would.
final class RTMPServer: @unchecked Sendable {
    let port: Int
    let dir: String
    private(set) var nginx: ChildProcess?
    private(set) var publisher: ChildProcess?

    init(port: Int = StreamTestServers.freePort()) throws {
        guard let module = StreamTestServers.rtmpModule else {
            throw TestSetupError("libnginx-mod-rtmp is not installed; run `make deps`")
        }
        self.port = port
        dir = StreamTestServers.tempDir("rtmp")
        let conf = """
        load_module \(module);
        master_process off;
        daemon off;
        pid \(dir)/nginx.pid;
        error_log \(dir)/error.log warn;
        events { worker_connections 64; }
        rtmp {
            server {
                listen 127.0.0.1:\(port);
                chunk_size 4096;
                application live { live on; }
            }
        }
        """
        try conf.write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
        try start()
    }

    var url: String { "rtmp://127.0.0.1:\(port)/live" }

    func start() throws {
        nginx = try ChildProcess("/usr/sbin/nginx", ["-p", dir, "-e", dir + "/error.log", "-c", dir + "/nginx.conf"],
                                 log: dir + "/nginx.out")
        guard StreamTestServers.waitForListen(port) else {
            throw TestSetupError("nginx-rtmp did not listen on 127.0.0.1:\(port); its error.log: \(StreamTestServers.logTail(dir + "/error.log"))")
        }
    }

    /// Publishes vtest.avi in a loop at real time as H.264 (an inter-frame codec) to `live/<stream>`.
    func publish(_ stream: String = "cam") throws {
        publisher = try ChildProcess("/usr/bin/ffmpeg", [
            "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", StreamTestServers.video,
            "-an", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "10",
            "-f", "flv", "\(url)/\(stream)",
        ], log: dir + "/publisher.log")
    }

    /// The crash fault: SIGKILL nginx; the publisher loses its connection and exits (or is stopped).
    func crash() {
        nginx?.kill()
        publisher?.stop()
    }

    func shutdown() {
        publisher?.stop()
        nginx?.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    deinit { shutdown() }
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Records every frame a worker delivers, in order (the stream tests look at spacing and content).
final class FrameRecorder: FrameSink {
    private let frames = Mutex<[Frame]>([])
    func submit(_ frame: Frame) { frames.withLock { $0.append(frame) } }
    var count: Int { frames.withLock { $0.count } }
    var all: [Frame] { frames.withLock { $0 } }
}

/// Runs `stop()` and reports whether it returned within a generous hang guard: stop takes ~0.1 s, but on a loaded
/// 2-core box running the whole suite the continuation can resume seconds late (10 s was overrun once, 20 s at
/// load 10 with test servers' start-up waits holding both pool threads); what the guard catches is a stop that
/// waits out the 60 s backoff step or a blocked read, so it stays well under 60 s.
func stopReturns(_ worker: some CameraWorker, within seconds: Double = 40) async -> Bool {
    let done = Atomic<Bool>(false)
    let task = Task {
        await worker.stop()
        done.store(true, ordering: .releasing)
    }
    let ok = await eventually(seconds) { done.load(ordering: .acquiring) }
    if !ok { task.cancel() }
    return ok
}
