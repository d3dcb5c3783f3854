import CamsiftCore
import Foundation
import Testing
@testable import Ingest
@testable import Media

/// A stream camera with a `region` (vtest.avi, 768×576, through libavformat as a file): the sampled frame is
/// cropped to the region, encoded once (`RegionFrame`), and the model input is decoded from that JPEG, which is
/// also `Frame.jpeg` and the archived file.
@Suite("Stream camera with a region (FFmpeg file source)", .serialized)
struct StreamRegionTests {
    static let region = Region(x: 0.1, y: 0.4, w: 0.5, h: 0.5)

    @Test("the reader's sample is the region: source-size frame is the region cut from the whole frame")
    func readerCropsToTheRegion() throws {
        let whole = try VideoStreamReader(url: "file:" + StreamTestServers.video, subject: "vtest.avi", interrupt: StreamInterrupt())
        _ = try whole.nextSample(interval: 1, width: 64, height: 64, fit: .crop)
        let full = try whole.sampleAtSourceSize()
        let cropped = try VideoStreamReader(url: "file:" + StreamTestServers.video, subject: "vtest.avi", interrupt: StreamInterrupt())
        let model = try cropped.nextSample(interval: 1, width: 64, height: 64, fit: .crop, region: Self.region)
        #expect(model.width == 64 && model.height == 64)
        let part = try cropped.sampleAtSourceSize()
        let r = Self.region.pixels(width: full.width, height: full.height)
        #expect(part.width == r.width && part.height == r.height, "\(part.width)x\(part.height) for \(r)")
        // The same pixels as cutting the converted whole frame, up to swscale's chroma interpolation at the
        // cut (4:2:0 chroma is shared by pixel pairs): compare the mean difference, not bytes.
        var sum = 0
        for y in 0..<r.height {
            for x in 0..<(r.width * 3) {
                sum += abs(Int(part.rgb[y * r.width * 3 + x]) - Int(full.rgb[((r.y + y) * full.width + r.x) * 3 + x]))
            }
        }
        let mean = Double(sum) / Double(part.rgb.count)
        #expect(mean < 1, "mean abs difference \(mean) against the cut whole frame")
        // And the model input is that region framed, not the whole frame framed.
        let cut = DecodedFrame(width: r.width, height: r.height, rgb: part.rgb).refitted(to: InputGeometry(size: 64))
        let wholeModel = full.refitted(to: InputGeometry(size: 64))
        func mad(_ a: DecodedFrame, _ b: DecodedFrame) -> Double {
            Double(zip(a.rgb, b.rgb).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.rgb.count)
        }
        #expect(mad(model, cut) < 4 && mad(model, wholeModel) > 2 * mad(model, cut),
                "region \(mad(model, cut)) vs whole \(mad(model, wholeModel))")
    }

    @Test("a region stream camera delivers, keeps and archives frames of the region")
    func workerDeliversTheRegion() async throws {
        let root = StreamTestServers.tempDir("stream-region")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var o = IngestOptions()
        o.inputSize = 64
        o.keepJPEG = true
        o.archiver = FrameArchiver(root: root, minInterval: 0, maxBytes: 0, maxAgeDays: 0)
        let sink = FrameRecorder()
        let cam = Camera(id: "region-cam", kind: .stream, url: "file:" + StreamTestServers.video, interval: 0.2,
                         region: Self.region)
        let w = IngestRuntime.makeStreamWorker(camera: cam, options: o, sink: sink)
        w.start()
        #expect(await eventually(30) { sink.count >= 3 }, "frames: \(w.health())")
        #expect(await stopReturns(w))
        let r = Self.region.pixels(width: 768, height: 576)
        let decoder = try JPEGDecoder()
        let g = o.geometry.current
        for f in sink.all {
            #expect(f.pixels.width == 64 && f.pixels.height == 64)
            let kept = try #require(f.jpeg)
            let size = try kept.withUnsafeBytes { try decoder.header($0) }
            #expect(size.width == r.width && size.height == r.height, "Frame.jpeg is the region: \(size)")
            // The model input was decoded from exactly these bytes, the way training decodes an archive file.
            let again = try kept.withUnsafeBytes { try decoder.decode($0, geometry: g) }
            #expect(f.pixels.rgb == again.rgb, "the model input is the decode of Frame.jpeg")
            let path = try #require(f.archivePath)
            let archived = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(archived == kept, "the archive takes the same encoded region")
        }
    }
}
