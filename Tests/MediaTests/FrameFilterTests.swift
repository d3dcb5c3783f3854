import CamsiftCore
import Foundation
import Testing
@testable import Media

@Suite("Bad-frame filter")
struct FrameFilterTests {
    func decode(_ jpeg: [UInt8]) throws -> DecodedFrame {
        try jpeg.withUnsafeBytes { try JPEGDecoder().decode($0, width: 224, height: 224, fit: .crop) }
    }

    func real() throws -> [DecodedFrame] { try Footage.frames.files.map { try decode(Footage.bytes($0)) } }

    @Test("live footage passes untouched")
    func realFramesAccepted() throws {
        var f = FrameFilter()
        for frame in try real() { #expect(f.check(frame, jpeg: nil) == nil) }
    }

    @Test("black, grey and 'offline' cards are uniform; a dark night scene is not")
    func uniform() throws {
        var f = FrameFilter()
        #expect(f.check(try decode(Footage.synthetic("black", "color=c=black:s=640x480")), jpeg: nil) == .uniform)
        #expect(f.check(try decode(Footage.synthetic("grey", "color=c=0x808080:s=640x480")), jpeg: nil) == .uniform)
        // A dark card with a small bright label: high variance, but one luma bin holds ~99% of it.
        let card = try Footage.synthetic("card", "color=c=0x202020:s=640x480,drawbox=x=270:y=220:w=100:h=30:c=white:t=fill")
        #expect(f.check(try decode(card), jpeg: nil) == .uniform)
        // The camera's own scene darkened to night levels still carries structure.
        let night = try Footage.synthetic("night", "movie=\(Footage.frames.files[3]),eq=brightness=-0.3:contrast=0.6")
        var g = FrameFilter()
        #expect(g.check(try decode(night), jpeg: nil) == nil)
    }

    @Test("the same frame N times in a row is frozen from the Nth; new content passes again")
    func frozen() throws {
        let frames = try real()
        var f = FrameFilter(settings: .init(frozenRepeats: 4))
        #expect(f.check(frames[0], jpeg: nil) == nil)
        #expect(f.check(frames[1], jpeg: nil) == nil)
        #expect(f.check(frames[1], jpeg: nil) == nil)
        #expect(f.check(frames[1], jpeg: nil) == nil)
        #expect(f.check(frames[1], jpeg: nil) == .frozen)
        #expect(f.check(frames[1], jpeg: nil) == .frozen)
        #expect(f.check(frames[2], jpeg: nil) == nil)
    }

    @Test("a static scene with sensor noise is not frozen")
    func noisyStaticScene() throws {
        let dir = Footage.frames.dir + "/noise"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let status = try Footage.run("/usr/bin/ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-loop", "1", "-i",
                                                         Footage.frames.files[4], "-vf", "noise=alls=3:allf=t",
                                                         "-frames:v", "6", "-q:v", "3", dir + "/n%d.jpg"])
        #expect(status == 0)
        var f = FrameFilter()
        for i in 1...6 {
            #expect(f.check(try decode(Footage.bytes(dir + "/n\(i).jpg")), jpeg: nil) == nil, "noisy frame \(i)")
        }
    }

    @Test("an image that comes back after other content is a placeholder, at once")
    func placeholder() throws {
        let frames = try real()
        let card = try decode(Footage.synthetic("testcard", "testsrc2=s=640x480"))
        var f = FrameFilter()
        #expect(f.check(card, jpeg: nil) == nil, "first sighting: could be a real scene")
        for fr in frames.prefix(4) { #expect(f.check(fr, jpeg: nil) == nil) }
        #expect(f.check(card, jpeg: nil) == .placeholder)
        #expect(f.check(frames[5], jpeg: nil) == nil)
        #expect(f.check(card, jpeg: nil) == .placeholder)
    }

    @Test("placeholder memory is bounded: a long-forgotten image is new again")
    func memoryBound() throws {
        let frames = try real()
        var f = FrameFilter(settings: .init(placeholderMemory: 3))
        #expect(f.check(frames[0], jpeg: nil) == nil)
        for fr in frames[1...4] { #expect(f.check(fr, jpeg: nil) == nil) }
        #expect(f.check(frames[0], jpeg: nil) == nil)
    }
}

@Suite("FFmpeg log redaction")
struct FFmpegLogRedactionTests {
    @Test("URLs in FFmpeg's messages lose their credentials")
    func redaction() {
        let line = FFmpegLog.redacted("Connection to rtsp://admin:hunter2@10.0.0.5:554/ch1 failed: refused")
        #expect(!line.contains("hunter2") && !line.contains("admin:"))
        #expect(line.contains("10.0.0.5:554/ch1") && line.hasPrefix("Connection to rtsp://***@"))
        #expect(FFmpegLog.redacted("Opening 'http://h/x.cgi?user=a&pwd=s3' for reading").contains("pwd=***"))
        #expect(FFmpegLog.redacted("no url here") == "no url here")
    }
}
