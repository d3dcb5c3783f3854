import CamsiftCore
import Foundation
import Registry
import Testing
@testable import Ingest

/// `camsift probe`'s engine against real servers: the fault server's Axis MJPEG path, nginx snapshots on a
/// generic and an Axis CGI path, and a full ffmpeg MJPEG URL; the printed registry file must validate.
@Suite(.serialized) struct ProbeTests {
    @Test func findsMJPEGOnABrandPath() async throws {
        let server = try FaultCameraServer(frames: try TestJPEGs.load().frames)
        defer { server.stop() }
        let prober = try CameraProber()
        let results = await prober.probe("127.0.0.1:\(server.port)", timeout: 5)
        await prober.shutdown()
        #expect(results.count == ProbePaths.all.count)
        let found = results.filter(\.found)
        #expect(found.map(\.url) == ["http://127.0.0.1:\(server.port)/mjpg/video.mjpg"])
        #expect(found.first?.kind == .mjpeg)
        #expect(found.first?.width == 768 && found.first?.height == 576)
        #expect(results.filter { !$0.found }.allSatisfy { $0.status == 404 })
    }

    @Test func findsNginxSnapshotsAndPrintsAValidRegistryFile() async throws {
        let jpegs = try TestJPEGs.load()
        let root = NSTemporaryDirectory() + "camsift-probe-\(getpid())"
        try FileManager.default.createDirectory(atPath: root + "/axis-cgi/jpg", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data(jpegs.frames[0]).write(to: URL(fileURLWithPath: root + "/snapshot.jpg"))
        try Data(jpegs.frames[1]).write(to: URL(fileURLWithPath: root + "/axis-cgi/jpg/image.cgi"))
        // Not a JPEG although the path looks like one: must not be reported.
        try Data("<html>offline</html>".utf8).write(to: URL(fileURLWithPath: root + "/image.jpg"))
        let nginx = try NginxServer(root: root)
        defer { nginx.stop() }
        let prober = try CameraProber()
        let results = await prober.probe("http://127.0.0.1:\(nginx.port)/", timeout: 5)
        await prober.shutdown()
        let found = results.filter(\.found)
        #expect(Set(found.map(\.url)) == [nginx.url("axis-cgi/jpg/image.cgi"), nginx.url("snapshot.jpg")])
        #expect(found.allSatisfy { $0.kind == .snapshot })
        let fake = try #require(results.first { $0.url.hasSuffix("/image.jpg") })
        #expect(!fake.found)
        #expect(fake.error?.contains("no JPEG") == true)

        let file = root + "/cam.json"
        try ProbeResult.registryJSON(id: "probe-cam", kind: .snapshot, url: found[0].url, interval: 10)
            .write(toFile: file, atomically: true, encoding: .utf8)
        let snap = RegistryLoader.validate(paths: [file])
        #expect(snap.errors.isEmpty, "\(snap.problems)")
        #expect(snap.cameras["probe-cam"]?.kind == .snapshot)
        #expect(snap.cameras["probe-cam"]?.url == found[0].url)
    }

    @Test func probesAGivenFFmpegURL() async throws {
        let port = try TestProcess.freePort()
        let ffmpeg = try TestProcess.start("/usr/bin/ffmpeg", [
            "-v", "error", "-re", "-i", TestJPEGs.video, "-f", "mpjpeg", "-listen", "1", "http://127.0.0.1:\(port)/cam.mjpg",
        ])
        defer { TestProcess.stop(ffmpeg) }
        let prober = try CameraProber()
        var result: ProbeResult?
        // ffmpeg needs a moment to listen; a refused attempt is simply repeated.
        for _ in 0..<40 {
            let r = await prober.probe("http://127.0.0.1:\(port)/cam.mjpg", timeout: 5)
            if r.first?.found == true { result = r.first; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        await prober.shutdown()
        let r = try #require(result)
        #expect(r.kind == .mjpeg)
        // ffmpeg labels its multipart body application/octet-stream: the kind came from sniffing.
        #expect(r.contentType == "application/octet-stream")
    }
}
