import Foundation
import Testing
@testable import Ingest

/// The parser against real vtest.avi JPEGs wrapped in every multipart quirk cameras send, fed in chunkings
/// from 1 byte up (a frame boundary can fall anywhere in a read).
@Suite struct MJPEGParserTests {
    static func body(_ frames: [[UInt8]], boundary: String = "--cam", length: (Int) -> String? = { "\($0)" },
                     between: String = "\r\n") -> [UInt8] {
        var out: [UInt8] = []
        for f in frames {
            var h = "\(boundary)\r\nContent-Type: image/jpeg\r\n"
            if let l = length(f.count) { h += "Content-Length: \(l)\r\n" }
            out += Array((h + "\r\n").utf8) + f + Array(between.utf8)
        }
        return out
    }

    /// Feeds `bytes` in chunks of `chunk` with capture always on; returns the frames and failures seen.
    static func parse(_ bytes: [UInt8], chunk: Int, maxPart: Int = 1 << 20) -> (frames: [[UInt8]], events: [MJPEGParser.Event]) {
        var p = MJPEGParser(maxPartBytes: maxPart)
        p.captureAll = true
        var frames: [[UInt8]] = []
        var events: [MJPEGParser.Event] = []
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + chunk)
            bytes[i..<end].withUnsafeBytes { raw in
                p.feed(raw) { e in
                    if case .frame(let f) = e { frames.append(f) } else { events.append(e) }
                }
            }
            i = end
        }
        return (frames, events)
    }

    @Test(arguments: [1, 7, 1000, 65536])
    func quirksAllYieldEveryFrameExactly(chunk: Int) throws {
        let jpegs = Array(try TestJPEGs.load().frames.prefix(4))
        let variants: [[UInt8]] = [
            Self.body(jpegs),
            Self.body(jpegs, boundary: "cam"),  // no leading dashes
            Self.body(jpegs, boundary: "--other"),  // body boundary differs from the header's
            Self.body(jpegs, length: { _ in nil }),  // no Content-Length
            Self.body(jpegs, length: { _ in "2147483648" }),  // Content-Length lie
            Self.body(jpegs, length: { "\($0 / 2)" }),  // wrong Content-Length
            Self.body(jpegs, between: "\r\n\r\n\r\n"),  // extra CRLFs
            Self.body(jpegs, between: "\r\ngarbage \u{1}\u{7f} bytes\r\n"),
            Array("CONTENT-TYPE: IMAGE/JPEG\r\n\r\n".utf8) + Self.body(jpegs),
        ]
        for v in variants {
            let r = Self.parse(v, chunk: chunk)
            #expect(r.frames.map(\.count) == jpegs.map(\.count))
            let same = r.frames == jpegs
            #expect(same, "frame bytes differ")
            #expect(r.events.isEmpty)
        }
    }

    @Test func exifThumbnailDoesNotEndTheFrame() throws {
        let jpegs = try TestJPEGs.load().frames
        let thumb = jpegs[1]
        // APP1 segment carrying a complete JPEG (with its own EOI), as EXIF thumbnails do.
        let payload = Array("Exif\0\0".utf8) + thumb
        let app1: [UInt8] = [0xFF, 0xE1, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        let withThumb = [0xFF, 0xD8] + app1 + Array(jpegs[0][2...])
        let r = Self.parse(Self.body([withThumb, jpegs[2]]), chunk: 4096)
        #expect(r.frames.map(\.count) == [withThumb.count, jpegs[2].count])
        let same = r.frames == [withThumb, jpegs[2]]
        #expect(same)
    }

    @Test func truncatedZeroByteAndOversizedPartsAreReportedAndSkipped() throws {
        let jpegs = try TestJPEGs.load().frames
        let big = TestJPEGs.padded(jpegs[3], to: 300_000)
        let cut = Array(jpegs[1][..<(jpegs[1].count / 2)])
        let stream = Self.body([jpegs[0], cut, [], big, jpegs[2]])
        let r = Self.parse(stream, chunk: 1500, maxPart: 200_000)
        #expect(r.frames.map(\.count) == [jpegs[0].count, jpegs[2].count])
        let same = r.frames == [jpegs[0], jpegs[2]]
        #expect(same)
        #expect(r.events == [.truncated, .oversized])
    }

    @Test func skipsWithoutCopyingWhenNotSampling() throws {
        let jpegs = Array(try TestJPEGs.load().frames.prefix(6))
        let stream = Self.body(jpegs)
        var p = MJPEGParser(maxPartBytes: 1 << 20)
        var got: [[UInt8]] = []
        stream.withUnsafeBytes { raw in
            // Capture only the 4th frame: request it after three frames went by.
            let cut = Self.body(Array(jpegs.prefix(3))).count
            p.feed(UnsafeRawBufferPointer(rebasing: raw[..<cut])) { _ in Issue.record("nothing requested") }
            #expect(p.framesSeen == 3)
            #expect(p.bufferedBytes == 0)
            p.captureNext = true
            p.feed(UnsafeRawBufferPointer(rebasing: raw[cut...])) { e in
                if case .frame(let f) = e { got.append(f) }
            }
        }
        let same = got == [jpegs[3]]
        #expect(same)
        #expect(p.framesSeen == 6)
        #expect(!p.captureNext)
    }

    @Test func garbageOnlyNeverYieldsAFrame() {
        var rng = SystemRandomNumberGenerator()
        let junk = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let r = Self.parse(junk, chunk: 4096)
        #expect(r.frames.allSatisfy { $0.starts(with: [0xFF, 0xD8]) && $0.suffix(2) == [0xFF, 0xD9] })
    }

    /// Replays the fuzz seed corpus and every crash input `make fuzz-mjpeg` ever kept, with the harness's
    /// invariants (frames are SOI…EOI and within the cap; the buffer never passes the cap).
    @Test func fuzzCorpusAndRegressionsKeepInvariants() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        var inputs = 0
        for sub in ["fuzz/corpus-mjpeg", "fuzz/regressions-mjpeg"] {
            let dir = repo + "/" + sub
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where !name.hasPrefix(".") {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
                inputs += 1
                for chunk in [1, 13, 4096] {
                    var p = MJPEGParser(maxPartBytes: 4096)
                    p.captureAll = true
                    var i = 0
                    while i < bytes.count {
                        let end = min(bytes.count, i + chunk)
                        bytes[i..<end].withUnsafeBytes { raw in
                            p.feed(raw) { e in
                                guard case .frame(let f) = e else { return }
                                #expect(f.count <= 4096 && f.starts(with: [0xFF, 0xD8]) && f.suffix(2) == [0xFF, 0xD9])
                            }
                        }
                        #expect(p.bufferedBytes <= 4096)
                        i = end
                    }
                }
            }
        }
        #expect(inputs >= 7, "seed corpus missing under \(repo)/fuzz")
    }
}
