import CamsiftCore
import Foundation
import Testing
@testable import Ingest

/// The bad-frame filter on the FFmpeg path: real encoded videos of a black screen and of one frozen frame.
@Suite("Stream camera bad-frame filter", .serialized)
struct StreamFilterTests {
    /// Encodes `seconds` of `input` (ffmpeg input args) to H.264 in an MP4 under a temp dir.
    func video(_ name: String, _ input: [String], seconds: Int = 8,
               codec: [String] = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"], ext: String = "mp4")
        throws -> (path: String, dir: String) {
        let dir = StreamTestServers.tempDir("filter")
        let path = dir + "/\(name).\(ext)"
        let p = try ChildProcess("/usr/bin/ffmpeg", ["-nostdin", "-loglevel", "error", "-y"] + input
                                 + ["-t", "\(seconds)", "-r", "10", "-an"] + codec + [path])
        p.process.waitUntilExit()
        guard p.process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: dir)  // the caller only gets `dir` (to remove) on success
            throw TestSetupError("ffmpeg could not encode \(name)")
        }
        return (path, dir)
    }

    @Test("a black stream is rejected as uniform, counted, and shown degraded; nothing reaches the sink")
    func blackStream() async throws {
        // Long enough that the file cannot end (EOF → backoff) before the check, even on a loaded CI box.
        let v = try video("black", ["-f", "lavfi", "-i", "color=c=black:s=640x480:r=10"], seconds: 60)
        defer { try? FileManager.default.removeItem(atPath: v.dir) }
        let sink = FrameRecorder()
        let w = IngestRuntime.makeStreamWorker(camera: Camera(id: "black", kind: .stream, url: "file:" + v.path, interval: 0.2),
                             options: IngestOptions(), sink: sink)
        w.start()
        #expect(await eventually(20) { (w.health().rejects["uniform"] ?? 0) >= 3 }, "\(w.health())")
        let h = w.health()
        #expect(h.state == .degraded, "\(h)")
        #expect(h.framesDelivered == 0 && sink.count == 0 && h.framesSampled >= 3)
        #expect(await stopReturns(w))
    }

    @Test("a frozen stream (one real frame repeated) delivers N-1 frames, then is rejected as frozen")
    func frozenStream() async throws {
        let stillDir = StreamTestServers.tempDir("still")
        defer { try? FileManager.default.removeItem(atPath: stillDir) }
        let still = stillDir + "/still.jpg"
        let grab = try ChildProcess("/usr/bin/ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-ss", "4", "-i",
                                                        StreamTestServers.video, "-frames:v", "1", still])
        grab.process.waitUntilExit()
        // Motion JPEG at a fixed quantiser: every frame bit-identical, like a frozen encoder re-sending a picture.
        let v = try video("frozen", ["-loop", "1", "-i", still], seconds: 30,
                          codec: ["-c:v", "mjpeg", "-q:v", "3"], ext: "avi")
        defer { try? FileManager.default.removeItem(atPath: v.dir) }
        let sink = FrameRecorder()
        var options = IngestOptions()
        options.filter.frozenRepeats = 3
        let w = IngestRuntime.makeStreamWorker(camera: Camera(id: "frozen", kind: .stream, url: "file:" + v.path, interval: 0.2),
                             options: options, sink: sink)
        w.start()
        #expect(await eventually(20) { (w.health().rejects["frozen"] ?? 0) >= 3 }, "\(w.health())")
        #expect(sink.count == 2, "the first N-1 identical frames pass")
        #expect(w.health().state == .degraded, "\(w.health())")
        #expect(await stopReturns(w))
    }
}
