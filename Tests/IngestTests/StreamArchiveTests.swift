import CamsiftCore
import Foundation
import Testing
@testable import Ingest
@testable import Media

/// Stream cameras' frames are archived like HTTP ones: under `unlabeled/<camera>/<day>/`, rate-limited per
/// camera, as JPEG at the source's resolution (encoded from the full-size frame, not the model-size one).
@Suite("Stream frame archive (real RTMP)", .serialized)
struct StreamArchiveTests {
    /// The size vtest.avi decodes to, read through the same reader the stream cameras use.
    static func sourceSize() throws -> (width: Int, height: Int) {
        let reader = try VideoStreamReader(url: "file:" + StreamTestServers.video, subject: "vtest.avi",
                                           interrupt: StreamInterrupt())
        _ = try reader.nextSample(interval: 1, width: 64, height: 64, fit: .crop)
        let full = try reader.sampleAtSourceSize()
        #expect(full.rgb.count == full.width * full.height * 3)
        return (full.width, full.height)
    }

    @Test("the reader gives the current sample at source size; the encoder's JPEG decodes back to it")
    func encodeRoundTrip() throws {
        let reader = try VideoStreamReader(url: "file:" + StreamTestServers.video, subject: "vtest.avi",
                                           interrupt: StreamInterrupt())
        let small = try reader.nextSample(interval: 1, width: 64, height: 64, fit: .crop)
        let full = try reader.sampleAtSourceSize()
        #expect(small.width == 64 && full.width > 64 && full.height > 64)
        #expect(try reader.sampleAtSourceSize().rgb == full.rgb, "stable until the next sample")
        let jpeg = try JPEGEncoder(quality: StreamSource.archiveQuality).encode(full)
        #expect(jpeg.starts(with: [0xFF, 0xD8]) && jpeg.suffix(2) == [0xFF, 0xD9])
        #expect(jpeg.count < full.rgb.count / 4, "\(jpeg.count) bytes for \(full.rgb.count) raw")
        let back = try jpeg.withUnsafeBytes { try JPEGDecoder().decode($0, width: full.width, height: full.height, fit: .crop) }
        var diff = 0
        for (a, b) in zip(back.rgb, full.rgb) { diff += abs(Int(a) - Int(b)) }
        #expect(Double(diff) / Double(full.rgb.count) < 6, "mean abs error per channel at quality 90")
        #expect(throws: MediaError.self) { _ = try JPEGEncoder(quality: 0) }
    }

    @Test("RTMP frames are archived as valid JPEGs at source resolution, rate-limited, under unlabeled/<cam>/<day>/")
    func rtmpArchive() async throws {
        let (width, height) = try Self.sourceSize()
        let server = try RTMPServer()
        defer { server.shutdown() }
        try server.publish()
        let root = StreamTestServers.tempDir("stream-archive")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var o = IngestOptions()
        o.archiver = FrameArchiver(root: root, minInterval: 1, maxBytes: 0, maxAgeDays: 0)
        let sink = FrameRecorder()
        let cam = Camera(id: "rtmp-archive", kind: .rtmp, url: server.url + "/cam", interval: 0.25)
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: o, sink: sink)
        w.start()
        #expect(await eventually(60) { sink.all.filter { $0.archivePath != nil }.count >= 3 }, "\(w.health())")
        #expect(await stopReturns(w))

        let frames = sink.all
        let archived = frames.filter { $0.archivePath != nil }
        #expect(frames.allSatisfy { $0.pixels.width == 224 && $0.jpeg == nil }, "model-size pixels go to the sink")
        #expect(archived.count < frames.count, "the archive's rate limit (1 s) is below the sampling rate (4/s)")
        for (a, b) in zip(archived, archived.dropFirst()) { #expect(b.capturedWall - a.capturedWall >= 1) }
        let decoder = try JPEGDecoder()
        for f in archived {
            let path = try #require(f.archivePath)
            #expect(path.hasPrefix("\(root)/unlabeled/rtmp-archive/\(Timestamp.day(f.capturedWall))/"), "\(path)")
            #expect(path.hasSuffix(".jpg"))
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let size = try bytes.withUnsafeBytes { try decoder.header($0) }
            #expect(size.width == width && size.height == height, "archived at the source's \(width)x\(height)")
            let pixels = try bytes.withUnsafeBytes { try decoder.decode($0, width: 64, height: 64, fit: .crop) }
            #expect(pixels.rgb.contains { $0 > 40 }, "real footage, not a black frame")
        }
        // Nothing else in the archive (no temp files, no frames the rate limit dropped).
        let all = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { !$0.hasSuffix("/") }
        let files = all.filter { $0.hasSuffix(".jpg") }
        #expect(files.count == archived.count, "\(files)")
        #expect(!all.contains { $0.contains(".tmp") })
    }

    @Test("isDue reports the rate limit without spending it")
    func isDue() throws {
        let root = StreamTestServers.tempDir("isdue")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = FrameArchiver(root: root, minInterval: 60, maxBytes: 0, maxAgeDays: 0)
        let t = 1_795_410_000.0
        #expect(a.isDue(camera: "a", capturedWall: t))
        #expect(a.isDue(camera: "a", capturedWall: t), "asking does not archive")
        #expect(a.archive(camera: "a", jpeg: [0xFF, 0xD8, 0xFF, 0xD9], capturedWall: t) != nil)
        #expect(!a.isDue(camera: "a", capturedWall: t + 30))
        #expect(a.isDue(camera: "b", capturedWall: t + 30))
        #expect(a.isDue(camera: "a", capturedWall: t + 60))
        #expect(a.isDue(camera: "a", capturedWall: t - 5), "a clock that went back starts afresh")
    }
}
