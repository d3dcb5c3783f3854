import Foundation

/// A real nginx on 127.0.0.1 serving a directory (`/usr/sbin/nginx -p tmp -c conf`, `daemon off;`, pid and
/// logs in the temp dir). The access log records the connection serial and its request count so tests can
/// check keep-alive reuse.
final class NginxServer {
    let port: Int
    let root: String
    let dir: String
    private let process: Process

    init(root: String) throws {
        let dir = NSTemporaryDirectory() + "camsift-nginx-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        self.dir = dir
        // A throwing init leaves the caller nothing to `stop()`: remove the temp dir unless nginx came up.
        var ready = false
        defer { if !ready { try? FileManager.default.removeItem(atPath: dir) } }
        try FileManager.default.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
        self.root = root
        port = try TestProcess.freePort()
        let conf = """
            daemon off;
            worker_processes 1;
            pid \(dir)/nginx.pid;
            error_log \(dir)/logs/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                log_format conn '$connection $connection_requests $status $request_uri';
                keepalive_requests 100000;
                keepalive_timeout 60s;
                client_body_temp_path \(dir)/tmp;
                proxy_temp_path \(dir)/tmp;
                fastcgi_temp_path \(dir)/tmp;
                uwsgi_temp_path \(dir)/tmp;
                scgi_temp_path \(dir)/tmp;
                types { image/jpeg jpg; }
                server {
                    listen 127.0.0.1:\(port);
                    access_log \(dir)/logs/access.log conn;
                    root \(root);
                }
            }
            """
        try conf.write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
        process = try TestProcess.start("/usr/sbin/nginx", ["-p", dir, "-c", dir + "/nginx.conf"])
        // Ready when it accepts connections.
        for _ in 0..<200 {
            if Self.accepts(port) {
                ready = true
                return
            }
            usleep(25_000)
        }
        TestProcess.stop(process)
        throw TestFailure("nginx did not start on port \(port); its error.log: \(StreamTestServers.logTail(dir + "/logs/error.log"))")
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// (connection serial, requests on it, status, uri) per logged request.
    func accessLog() -> [(conn: Int, request: Int, status: Int, uri: String)] {
        let text = (try? String(contentsOfFile: dir + "/logs/access.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 4, let c = Int(f[0]), let r = Int(f[1]), let s = Int(f[2]) else { return nil }
            return (c, r, s, String(f[3]))
        }
    }

    func stop() {
        TestProcess.stop(process)
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
