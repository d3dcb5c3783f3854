import CamsiftCore
import Foundation
import Testing
@testable import Ingest

/// nginx on 127.0.0.1 serving a real FLV (vtest.avi → H.264) behind HTTP basic auth; the camera is kind
/// `stream` with registry `auth` (user + password file), read through FFmpeg's http protocol.
final class AuthVideoServer: @unchecked Sendable {
    let port = StreamTestServers.freePort()
    let dir = StreamTestServers.tempDir("authhttp")
    static let user = "viewer"
    /// Characters that must be percent-encoded in userinfo.
    static let password = "s3cr@t pw/x"   // needs %XX in userinfo (nginx htpasswd cannot hold a colon)
    private var nginx: ChildProcess?

    init() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/www/private", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        let encode = try ChildProcess("/usr/bin/ffmpeg", [
            "-nostdin", "-loglevel", "error", "-y", "-t", "20", "-i", StreamTestServers.video, "-an", "-c:v", "libx264",
            "-preset", "ultrafast", "-g", "10", "-f", "flv", dir + "/www/private/cam.flv"])
        encode.process.waitUntilExit()
        guard encode.process.terminationStatus == 0 else { throw TestSetupError("ffmpeg could not encode the test FLV") }
        try "\(Self.user):{PLAIN}\(Self.password)\n".write(toFile: dir + "/htpasswd", atomically: true, encoding: .utf8)
        let t = dir + "/tmp"
        let conf = """
        master_process off;
        daemon off;
        pid \(dir)/nginx.pid;
        error_log \(dir)/error.log warn;
        events { worker_connections 64; }
        http {
            access_log off;
            client_body_temp_path \(t); proxy_temp_path \(t); fastcgi_temp_path \(t); uwsgi_temp_path \(t); scgi_temp_path \(t);
            types { video/x-flv flv; }
            server {
                listen 127.0.0.1:\(port);
                root \(dir)/www;
                location /private/ { auth_basic "camera"; auth_basic_user_file \(dir)/htpasswd; }
            }
        }
        """
        try conf.write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
        nginx = try ChildProcess("/usr/sbin/nginx", ["-p", dir, "-e", dir + "/error.log", "-c", dir + "/nginx.conf"])
        guard StreamTestServers.waitForListen(port) else {
            throw TestSetupError("nginx did not listen on 127.0.0.1:\(port); its error.log: \(StreamTestServers.logTail(dir + "/error.log"))")
        }
    }

    var url: String { "http://127.0.0.1:\(port)/private/cam.flv" }

    func passwordFile(_ password: String) throws -> String {
        let p = dir + "/pw-\(UInt32.random(in: 0...UInt32.max))"
        try (password + "\n").write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func shutdown() {
        nginx?.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Also when `init` throws (the caller then has nothing to `shutdown()`), like `RTMPServer`.
    deinit { shutdown() }
}

@Suite("Stream camera auth (nginx basic auth, real FLV)", .serialized)
struct StreamAuthTests {
    @Test("registry auth (password file, special characters) opens a protected stream; creds never appear in health")
    func authorized() async throws {
        let server = try AuthVideoServer()
        defer { server.shutdown() }
        let sink = FrameRecorder()
        let cam = Camera(id: "auth-ok", kind: .stream, url: server.url, interval: 0.5,
                         auth: .init(user: AuthVideoServer.user, passwordFile: try server.passwordFile(AuthVideoServer.password)))
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: IngestOptions(), sink: sink)
        w.start()
        #expect(await eventually(30) { sink.count >= 3 }, "\(w.health())")
        // The first transition is the authorised open. Later ones may follow (the 20 s file can reach its end
        // on a slow box and the camera then backs off to reopen), so the state *now* is not what is tested.
        #expect(w.monitor.transitions().first.map { "\($0.from.rawValue)→\($0.to.rawValue)" } == "starting→online",
                "\(w.monitor.transitions())")
        #expect(w.health().lastError?.hasPrefix("unauthorized") != true, "\(w.health())")
        #expect(!"\(w.health())".contains(AuthVideoServer.password), "credentials leaked into health")
        #expect(await stopReturns(w))
    }

    @Test("no or wrong credentials: unauthorized, parked offline, no frames", arguments: [nil, "wrong-password"])
    func unauthorized(_ password: String?) async throws {
        let server = try AuthVideoServer()
        defer { server.shutdown() }
        let sink = FrameRecorder()
        let auth = try password.map { Camera.Auth(user: AuthVideoServer.user, passwordFile: try server.passwordFile($0)) }
        let cam = Camera(id: "auth-bad", kind: .stream, url: server.url, interval: 0.5, auth: auth)
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: IngestOptions(), sink: sink)
        w.start()
        #expect(await eventually(15) { w.health().reconnects >= 1 })
        let h = w.health()
        #expect(h.state == .offline, "401 is not retried fast: \(h)")
        #expect(h.lastError?.hasPrefix("unauthorized") == true, "\(h.lastError ?? "-")")
        #expect(h.lastError?.contains("wrong-password") == false)
        #expect(sink.count == 0)
        #expect(await stopReturns(w))
    }

    @Test("a missing password file is reported with the fix, not retried fast")
    func missingPasswordFile() async throws {
        let sink = FrameRecorder()
        let cam = Camera(id: "auth-nofile", kind: .stream, url: "http://127.0.0.1:9/x.flv", interval: 1,
                         auth: .init(user: "u", passwordFile: "/nonexistent/camsift-pw"))
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: IngestOptions(), sink: sink)
        w.start()
        #expect(await eventually(10) { w.health().reconnects >= 1 })
        #expect(w.health().state == .offline)
        #expect(w.health().lastError?.contains("auth.passwordFile '/nonexistent/camsift-pw'") == true)
        #expect(await stopReturns(w))
    }

    @Test("userinfo encoding and credential replacement in the open URL")
    func openURL() throws {
        let dir = StreamTestServers.tempDir("pw")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "p@ss:w/rd\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
        let cam = Camera(id: "c", kind: .stream, url: "rtsp://old:creds@10.0.0.1:554/live?x=1", interval: 1,
                         auth: .init(user: "adm in", passwordFile: dir + "/pw"))
        #expect(try StreamSource.openURL(for: cam) == "rtsp://adm%20in:p%40ss%3Aw%2Frd@10.0.0.1:554/live?x=1")
        let plain = Camera(id: "d", kind: .rtmp, url: "rtmp://127.0.0.1/live/a", interval: 1)
        #expect(try StreamSource.openURL(for: plain) == plain.url)
    }
}
