import CamsiftCore
import Foundation
import Testing
@testable import Ingest
@testable import Media

/// An HTTP (JPEG) camera with a `region` through the real `DecodePool` and `CameraMonitor`: the frame's model
/// input is decoded from the region's q95 JPEG, and `Frame.jpeg` and the archived file are those very bytes;
/// a camera without a region keeps the camera's original bytes.
@Suite("HTTP camera with a region (DecodePool)", .serialized)
struct HTTPRegionTests {
    static let photo = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg"

    func run(region: Region?) async throws -> (original: [UInt8], frame: Frame, options: IngestOptions, root: String) {
        let original = try #require(FileManager.default.contents(atPath: Self.photo).map { [UInt8]($0) },
                                    "sample photo \(Self.photo) missing: install opencv-doc (`make deps`)")
        let root = StreamTestServers.tempDir("http-region")
        var o = IngestOptions()
        o.inputSize = 64
        o.keepJPEG = true
        o.decodeThreads = 1
        o.archiver = FrameArchiver(root: root, minInterval: 0, maxBytes: 0, maxAgeDays: 0)
        let sink = FrameRecorder()
        let cam = Camera(id: "http-region", kind: .snapshot, url: "http://192.0.2.1/snap.jpg", interval: 1, region: region)
        let monitor = CameraMonitor(camera: cam, options: o, sink: sink)
        let pool = DecodePool(options: o)
        pool.submit(DecodeJob(monitor: monitor, jpeg: original, capturedAt: .now, wall: Date().timeIntervalSince1970))
        #expect(await eventually(20) { sink.count >= 1 }, "decode stats: \(pool.snapshot())")
        await pool.shutdown()
        return (original, try #require(sink.all.first), o, root)
    }

    @Test func regionFrameIsTheRegionJPEGEverywhere() async throws {
        let region = Region(x: 0.1, y: 0.4, w: 0.5, h: 0.5)
        let (original, f, o, root) = try await run(region: region)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let decoder = try JPEGDecoder()
        let (w, h) = try original.withUnsafeBytes { try decoder.header($0) }
        let r = region.pixels(width: w, height: h)
        let kept = try #require(f.jpeg)
        let size = try kept.withUnsafeBytes { try decoder.header($0) }
        #expect(size.width == r.width && size.height == r.height, "Frame.jpeg is the region: \(size) for \(r)")
        let again = try kept.withUnsafeBytes { try decoder.decode($0, geometry: o.geometry.current) }
        #expect(f.pixels.rgb == again.rgb, "the model input is the decode of Frame.jpeg")
        let archived = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try #require(f.archivePath))))
        #expect(archived == kept, "the archive saves the same bytes")
    }

    @Test func cameraWithoutRegionKeepsTheOriginalBytes() async throws {
        let (original, f, o, root) = try await run(region: nil)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(f.jpeg == original)
        let archived = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try #require(f.archivePath))))
        #expect(archived == original)
        let live = try original.withUnsafeBytes { try JPEGDecoder().decode($0, geometry: o.geometry.current) }
        #expect(f.pixels.rgb == live.rgb)
    }
}
