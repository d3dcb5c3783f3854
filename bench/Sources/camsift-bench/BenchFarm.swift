#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The local camera farm of the ingest bench: vtest.avi frames extracted with ffmpeg, a real nginx serving
/// them as an aggregator (`/agg/<id>.jpg` → one of 100 rotating files), and a `camserver` process streaming
/// MJPEG. Everything on 127.0.0.1, random free ports, killed in `stop()`.
final class BenchFarm {
    let dir: String
    let nginxPort: Int
    let mjpegPort: Int
    let meanJPEGBytes: Int
    /// nginx-rtmp port when RTMP cameras were asked for (a publisher loops vtest.avi as H.264 to live/cam).
    private(set) var rtmpPort: Int?
    private var processes: [Process] = []
    private var nginx: Process?
    private var camserver: Process?
    private var nginxArgs: [String] { ["-p", dir + "/nginx", "-c", dir + "/nginx/nginx.conf"] }

    /// `jpegs`: serve these JPEG files (sorted by name) instead of vtest.avi's first 200 frames at width × height.
    init(width: Int, height: Int, fps: Double, rotateEvery: Double, stagger: Bool = false, rtmp: Bool,
         maxSeconds: Double = 3600, jpegs: String? = nil) throws {
        let dir = NSTemporaryDirectory() + "camsift-bench-ingest-\(getpid())"
        self.dir = dir
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/jpegs", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/www/rot", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/nginx/logs", withIntermediateDirectories: true)
        if let jpegs {
            for name in try fm.contentsOfDirectory(atPath: jpegs).filter({ $0.hasSuffix(".jpg") }) {
                try fm.copyItem(atPath: jpegs + "/" + name, toPath: dir + "/jpegs/" + name)
            }
        } else {
            try Self.runTool("/usr/bin/ffmpeg", ["-v", "error", "-y", "-i", "/usr/share/doc/opencv-doc/examples/data/vtest.avi",
                                                 "-vf", "scale=\(width):\(height)", "-q:v", "8", "-frames:v", "200",
                                                 dir + "/jpegs/f%03d.jpg"])
        }
        let sizes = try fm.contentsOfDirectory(atPath: dir + "/jpegs").compactMap {
            (try fm.attributesOfItem(atPath: dir + "/jpegs/" + $0)[.size] as? Int)
        }
        meanJPEGBytes = sizes.reduce(0, +) / max(1, sizes.count)
        nginxPort = try Self.freePort()
        mjpegPort = try Self.freePort()
        let conf = """
            daemon off;
            worker_processes 1;
            worker_rlimit_nofile 65536;
            pid \(dir)/nginx/nginx.pid;
            error_log \(dir)/nginx/logs/error.log warn;
            events { worker_connections 16384; }
            http {
                access_log off;
                keepalive_requests 1000000;
                keepalive_timeout 120s;
                client_body_temp_path \(dir)/nginx/tmp;
                proxy_temp_path \(dir)/nginx/tmp;
                fastcgi_temp_path \(dir)/nginx/tmp;
                uwsgi_temp_path \(dir)/nginx/tmp;
                scgi_temp_path \(dir)/nginx/tmp;
                types { image/jpeg jpg; }
                open_file_cache max=200 inactive=2s;
                open_file_cache_valid 1s;
                server {
                    listen 127.0.0.1:\(nginxPort) backlog=4096;
                    root \(dir)/www;
                    location ~ "^/agg/\\d*?(\\d\\d)\\.jpg$" { try_files /rot/f$1.jpg =404; }
                }
            }
            """
        try conf.write(toFile: dir + "/nginx/nginx.conf", atomically: true, encoding: .utf8)
        let me = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let cam = try Self.start(me, ["camserver", "--port", String(mjpegPort), "--jpegs", dir + "/jpegs",
                                      "--fps", String(fps), "--rotate", dir + "/www/rot",
                                      "--rotate-every", String(rotateEvery), "--stagger", stagger ? "1" : "0",
                                      "--max-seconds", String(maxSeconds)])
        processes.append(cam)
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: dir + "/www/rot/f99.jpg") { usleep(50_000) }
        camserver = cam
        let nginx = try Self.start("/usr/sbin/nginx", nginxArgs)
        self.nginx = nginx
        processes.append(nginx)
        usleep(500_000)
        if rtmp { try startRTMP() }
        guard nginx.isRunning, cam.isRunning else {
            stop()
            throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "nginx or camserver did not start (see the messages above)"])
        }
    }

    private func startRTMP() throws {
        let module = ["/usr/lib/nginx/modules/ngx_rtmp_module.so", "/usr/share/nginx/modules/ngx_rtmp_module.so"]
            .first { FileManager.default.fileExists(atPath: $0) }
        guard let module else {
            throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "libnginx-mod-rtmp is not installed; run `make deps` or pass --rtmp 0"])
        }
        let port = try Self.freePort()
        let rdir = dir + "/rtmp"
        try FileManager.default.createDirectory(atPath: rdir + "/logs", withIntermediateDirectories: true)
        let conf = """
            load_module \(module);
            daemon off;
            master_process off;
            pid \(rdir)/nginx.pid;
            error_log \(rdir)/logs/error.log warn;
            events { worker_connections 256; }
            rtmp { server { listen 127.0.0.1:\(port); chunk_size 4096; application live { live on; } } }
            """
        try conf.write(toFile: rdir + "/nginx.conf", atomically: true, encoding: .utf8)
        processes.append(try Self.start("/usr/sbin/nginx", ["-p", rdir, "-e", rdir + "/logs/error.log", "-c", rdir + "/nginx.conf"]))
        usleep(300_000)
        processes.append(try Self.start("/usr/bin/ffmpeg", [
            "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1",
            "-i", "/usr/share/doc/opencv-doc/examples/data/vtest.avi", "-an", "-c:v", "libx264", "-preset", "ultrafast",
            "-tune", "zerolatency", "-g", "10", "-f", "flv", "rtmp://127.0.0.1:\(port)/live/cam",
        ]))
        rtmpPort = port
    }

    /// Fault injection (soak): the snapshot server goes away — every snapshot camera sees connection refused
    /// until `startNginx()`.
    func stopNginx() {
        guard let n = nginx, n.isRunning else { return }
        n.terminate()
        for _ in 0..<100 where n.isRunning { usleep(20_000) }
        if n.isRunning { kill(n.processIdentifier, SIGKILL) }
        n.waitUntilExit()
        processes.removeAll { $0 === n }
        nginx = nil
    }

    func startNginx() throws {
        guard nginx == nil else { return }
        let n = try Self.start("/usr/sbin/nginx", nginxArgs)
        nginx = n
        processes.append(n)
    }

    /// Fault injection (soak): SIGSTOP / SIGCONT the MJPEG server, so every stream stalls mid-connection.
    func pauseMJPEG(_ paused: Bool) {
        guard let c = camserver, c.isRunning else { return }
        kill(c.processIdentifier, paused ? SIGSTOP : SIGCONT)
    }

    func rtmpURL() -> String? { rtmpPort.map { "rtmp://127.0.0.1:\($0)/live/cam" } }

    func snapshotURL(_ i: Int) -> String { "http://127.0.0.1:\(nginxPort)/agg/\(String(format: "%05d", i)).jpg" }
    func mjpegURL(_ i: Int) -> String { "http://127.0.0.1:\(mjpegPort)/cam/\(i).mjpg" }

    func stop() {
        pauseMJPEG(false)
        for p in processes where p.isRunning {
            p.terminate()
            for _ in 0..<50 where p.isRunning { usleep(20_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
        processes = []
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func start(_ path: String, _ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func runTool(_ path: String, _ args: [String]) throws {
        let p = try start(path, args)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "bench", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(path) failed with status \(p.terminationStatus)"])
        }
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
