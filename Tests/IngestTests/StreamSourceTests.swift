import CamsiftCore
import Foundation
import Testing
@testable import Ingest
@testable import Media

/// Stream cameras (`StreamSource` under `SourceLoop`) against real sources: a local file through libavformat,
/// and nginx-rtmp with an ffmpeg publisher on 127.0.0.1. Serialized: each test runs an encoder, and the box
/// has two cores.
@Suite("Stream cameras (FFmpeg source, real RTMP)", .serialized)
struct StreamSourceTests {
    func options(openTimeout: Double = 5) -> IngestOptions {
        var o = IngestOptions()
        o.inputSize = 224
        o.connectTimeout = openTimeout
        return o
    }

    @Test("a local video file (kind stream) delivers sampled, model-size frames; stop() ends delivery")
    func localFile() async throws {
        let sink = FrameRecorder()
        let cam = Camera(id: "file-cam", kind: .stream, url: "file:" + StreamTestServers.video, interval: 0.2)
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: options(), sink: sink)
        w.start()
        #expect(await eventually(30) { sink.count >= 5 }, "frames from the file: \(w.health())")
        let h = w.health()
        #expect(h.state == .online)
        #expect(h.framesDelivered >= 5 && h.bytesReceived > 0)
        for f in sink.all {
            #expect(f.camera == "file-cam" && f.pixels.width == 224 && f.pixels.height == 224 && f.jpeg == nil)
        }
        #expect(await stopReturns(w))
        let after = sink.count
        try await Task.sleep(for: .milliseconds(500))
        #expect(sink.count == after, "no frames after stop()")

        // With keepJPEG (`camsift grab`), a stream frame carries a JPEG of the source frame, not the model input.
        var keep = options()
        keep.keepJPEG = true
        let kept = FrameRecorder()
        let g = IngestRuntime.makeStreamWorker(camera: cam, options: keep, sink: kept)
        g.start()
        #expect(await eventually(30) { kept.count >= 2 }, "frames with JPEG: \(g.health())")
        #expect(await stopReturns(g))
        for f in kept.all {
            let jpeg = try #require(f.jpeg)
            #expect(jpeg.prefix(2) == [0xFF, 0xD8])
            let size = try jpeg.withUnsafeBytes { try JPEGDecoder().header($0) }
            #expect(size.width > 224 && size.height > 224, "encoded at source resolution: \(size)")
        }
    }

    @Test("sampling follows stream time: one frame per interval, not every decoded frame")
    func sampling() async throws {
        // vtest.avi is 10 fps: at interval 1 s each delivered frame stands for ~10 decoded ones. Pacing to
        // real time makes delivered count ≈ elapsed seconds, far below the 10 fps the file holds.
        let sink = FrameRecorder()
        let cam = Camera(id: "sampled", kind: .stream, url: "file:" + StreamTestServers.video, interval: 1)
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: options(), sink: sink)
        let t0 = ContinuousClock.now
        w.start()
        #expect(await eventually(30) { sink.count >= 3 })
        #expect(await stopReturns(w))
        let elapsed = (ContinuousClock.now - t0) / .seconds(1)
        #expect(Double(sink.count) <= elapsed + 2, "\(sink.count) frames in \(elapsed) s at interval 1 s")
        let times = sink.all.map(\.capturedWall)
        for (a, b) in zip(times, times.dropFirst()) { #expect(b - a > 0.5, "samples are an interval apart") }
    }

    @Test("RTMP from nginx-rtmp: frames arrive and the camera is online")
    func rtmp() async throws {
        let server = try RTMPServer()
        defer { server.shutdown() }
        try server.publish()
        let sink = FrameRecorder()
        let cam = Camera(id: "rtmp-cam", kind: .rtmp, url: server.url + "/cam", interval: 0.5)
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: options(), sink: sink)
        w.start()
        #expect(await eventually(40) { sink.count >= 4 }, "RTMP frames: \(w.health())")
        #expect(w.health().state == .online)
        #expect(sink.all.allSatisfy { $0.pixels.rgb.contains { $0 > 40 } })
        #expect(await stopReturns(w))
    }

    @Test("RTMP server killed and restarted: the worker backs off, then recovers by itself")
    func rtmpRestart() async throws {
        let server = try RTMPServer()
        defer { server.shutdown() }
        try server.publish()
        let sink = FrameRecorder()
        let cam = Camera(id: "rtmp-restart", kind: .rtmp, url: server.url + "/cam", interval: 0.5, timeout: 3)
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: options(openTimeout: 3), sink: sink)
        w.start()
        #expect(await eventually(40) { sink.count >= 2 }, "before crash: \(w.health())")

        server.crash()
        #expect(await eventually(30) { w.health().reconnects >= 1 }, "noticed the crash: \(w.health())")
        let h = w.health()
        #expect(h.state == .backoff || h.state == .offline)
        #expect(h.lastError != nil)
        let before = sink.count

        try server.start()
        try server.publish()
        #expect(await eventually(60) { sink.count >= before + 3 }, "after restart: \(w.health())")
        #expect(w.health().state == .online)
        #expect(await stopReturns(w))
    }

    @Test("a stream that never publishes parks the camera in backoff/offline; stop() still returns promptly")
    func neverPublishes() async throws {
        let server = try RTMPServer()
        defer { server.shutdown() }
        let sink = FrameRecorder()
        let cam = Camera(id: "rtmp-silent", kind: .rtmp, url: server.url + "/nobody", interval: 1, timeout: 2)
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: options(openTimeout: 1.5), sink: sink)
        w.start()
        #expect(await eventually(20) { w.health().reconnects >= 2 }, "\(w.health())")
        let h = w.health()
        #expect(h.state == .backoff || h.state == .offline)
        #expect(h.framesDelivered == 0 && sink.count == 0)
        #expect(h.lastError?.contains("timed out") == true, "\(h.lastError ?? "-")")
        // Now blocked in an open or a backoff wait: stop must cut either short.
        #expect(await stopReturns(w))
    }

    @Test("connection refused backs off with the reason; other cameras keep delivering")
    func refusedIsolated() async throws {
        let sink = FrameRecorder()
        let dead = IngestRuntime.makeStreamWorker(camera: Camera(id: "refused", kind: .rtmp, url: "rtmp://127.0.0.1:\(StreamTestServers.freePort())/live/x",
                                               interval: 1, timeout: 2), options: options(openTimeout: 2), sink: sink)
        let live = IngestRuntime.makeStreamWorker(camera: Camera(id: "alive", kind: .stream, url: "file:" + StreamTestServers.video, interval: 0.2),
                                options: options(), sink: sink)
        dead.start()
        live.start()
        #expect(await eventually(20) { dead.health().reconnects >= 2 && live.health().framesDelivered >= 5 })
        #expect(dead.health().state == .backoff || dead.health().state == .offline)
        #expect(dead.health().lastError?.lowercased().contains("refused") == true, "\(dead.health().lastError ?? "-")")
        #expect(sink.all.allSatisfy { $0.camera == "alive" })
        #expect(await stopReturns(dead))
        #expect(await stopReturns(live))
    }

    @Test("a missing file is not found, retried slowly (offline), never delivers")
    func missingFile() async throws {
        let sink = FrameRecorder()
        let w = IngestRuntime.makeStreamWorker(camera: Camera(id: "missing", kind: .stream, url: "file:/nonexistent/camsift.mp4", interval: 1),
                             options: options(), sink: sink)
        w.start()
        #expect(await eventually(10) { w.health().reconnects >= 1 })
        #expect(w.health().state == .offline)
        #expect(w.health().lastError?.contains("not_found") == false)
        #expect(w.health().lastError?.hasPrefix("notFound") == true, "\(w.health().lastError ?? "-")")
        #expect(await stopReturns(w))
    }

    @Test("a disabled camera never starts")
    func disabled() async throws {
        let sink = FrameRecorder()
        let w = IngestRuntime.makeStreamWorker(camera: Camera(id: "off", kind: .stream, url: "file:" + StreamTestServers.video, interval: 1,
                                            enabled: false), options: options(), sink: sink)
        w.start()
        try await Task.sleep(for: .milliseconds(300))
        #expect(w.health().state == .disabled && sink.count == 0)
        #expect(await stopReturns(w))
    }
}
