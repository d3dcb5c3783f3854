#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Helpers of the deployment tests: a real nginx serving JPEGs, external tools, log and /metrics reading.
enum Deploy {
    /// Real photos from Debian's opencv-doc (installed by `make test`), one per camera.
    static let photoDir = "/usr/share/doc/opencv-doc/examples/data"
    static let photos = ["apple.jpg", "baboon.jpg", "building.jpg", "butterfly.jpg", "fruits.jpg", "home.jpg",
                         "orange.jpg", "messi5.jpg", "squirrel_cls.jpg", "starry_night.jpg", "stuff.jpg",
                         "aero1.jpg", "HappyFish.jpg", "leuvenA.jpg"]

    /// The ImageNet model the daemons classify with (`make weights`).
    static var effnet: String {
        if let e = ProcessInfo.processInfo.environment["CAMSIFT_EFFNET"], !e.isEmpty { return e }
        return packageRoot + "/weights/effnet-lite0-imagenet.csm"
    }

    /// Runs `argv` (through PATH via /usr/bin/env) to completion, bounded by `timeout` seconds.
    static func run(_ argv: [String], in dir: TempDir, timeout: Double = 120) async throws -> (status: Int32?, out: String, err: String) {
        let c = try Child("/usr/bin/env", argv, in: dir)
        let s = await c.wait(timeout: timeout)
        return (s, c.stdout, c.stderr)
    }

    static func which(_ tool: String) -> String? {
        for d in ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: d + "/" + tool) {
            return d + "/" + tool
        }
        return nil
    }

    /// A TCP port on 127.0.0.1 nobody listens on (bound to port 0 and released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        a.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: a.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        a.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// The `camera` field of every line of a classification log (an absent log has none).
    static func loggedCameras(_ path: String) -> [String] {
        readText(path).split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return o["camera"] as? String
        }
    }

    /// The shard (1…n) of camera `id`: FNV-1a-64 mod n + 1, as docs/scale-out.md gives it.
    static func shard(of id: String, count n: Int) -> Int {
        var h: UInt64 = 14695981039346656037
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return Int(h % UInt64(n)) + 1
    }

    /// The /metrics port a daemon logged (`serving Prometheus metrics on http://127.0.0.1:PORT/metrics`).
    static func metricsPort(_ stderr: String) -> Int? {
        guard let r = stderr.range(of: "metrics on http://127.0.0.1:") else { return nil }
        return Int(stderr[r.upperBound...].prefix { $0.isNumber })
    }

    /// Every sample name a scrape exposes: the families' `# TYPE` names (histograms also with `_bucket`,
    /// `_sum`, `_count`) and the names of the sample lines.
    static func exposedNames(_ scrape: String) -> Set<String> {
        var names = Set<String>()
        for line in scrape.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let f = line.split(separator: " ")
                guard f.count >= 4 else { continue }
                let name = String(f[2])
                names.insert(name)
                if f[3] == "histogram" || f[3] == "summary" {
                    for s in ["_bucket", "_sum", "_count"] { names.insert(name + s) }
                }
            } else if !line.hasPrefix("#") {
                names.insert(String(line.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }))
            }
        }
        return names
    }

    /// Every `camsift_…` identifier in a text (PromQL in rules and dashboard panels).
    static func camsiftMetricNames(in text: String) -> Set<String> {
        var out = Set<String>()
        var s = Substring(text)
        while let r = s.range(of: "camsift_") {
            let tail = s[r.upperBound...]
            let word = tail.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !word.isEmpty { out.insert("camsift_" + word) }
            s = tail.dropFirst(word.count)
        }
        return out
    }
}

/// A real nginx on 127.0.0.1 serving `root` (temp prefix, `daemon off;`), with ETag/Last-Modified as usual.
final class LocalNginx {
    let port: Int
    private let child: Child

    init(root: String, in dir: TempDir) async throws {
        port = Deploy.freePort()
        // nginx's worker runs as `nobody` when started by root: the mkdtemp directory (0700) must be searchable.
        chmod(dir.path, 0o755)
        let p = dir.file("nginx")
        dir.mkdir("nginx/logs")
        dir.mkdir("nginx/tmp")
        dir.write("nginx/nginx.conf", """
            daemon off;
            worker_processes 1;
            pid \(p)/nginx.pid;
            error_log \(p)/logs/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path \(p)/tmp;
                proxy_temp_path \(p)/tmp;
                fastcgi_temp_path \(p)/tmp;
                uwsgi_temp_path \(p)/tmp;
                scgi_temp_path \(p)/tmp;
                types { image/jpeg jpg; }
                server { listen 127.0.0.1:\(port); root \(root); }
            }
            """)
        child = try Child("/usr/sbin/nginx", ["-p", p, "-c", p + "/nginx.conf"], in: dir, tag: "nginx")
        for _ in 0..<200 {
            if Deploy.accepts(port) { return }
            try? await Task.sleep(for: .milliseconds(25))
        }
        await stop()
        throw DeployFailure("nginx did not start on port \(port): \(readText(p + "/logs/error.log"))")
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// Fast shutdown (SIGTERM), bounded: killed after 10 s.
    func stop() async {
        child.signal(SIGTERM)
        _ = await child.wait(timeout: 10)
    }
}

struct DeployFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Copies `src` to `dst` through a temp file + rename, so a server never serves half a file.
func atomicCopy(_ src: String, _ dst: String) throws {
    let tmp = dst + ".tmp"
    try? FileManager.default.removeItem(atPath: tmp)
    try FileManager.default.copyItem(atPath: src, toPath: tmp)
    guard rename(tmp, dst) == 0 else { throw DeployFailure("rename \(tmp) → \(dst): errno \(errno)") }
}
