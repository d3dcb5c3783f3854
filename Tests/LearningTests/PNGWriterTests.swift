import Foundation
import Testing
@testable import Learning
import Serving

@Suite struct PNGWriterTests {
    @Test func checksumsMatchKnownVectors() {
        #expect(PNGWriter.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(PNGWriter.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGWriter.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }

    /// Decodes the PNG with the real ffmpeg and compares pixels.
    @Test func ffmpegDecodesTheChartBackToTheSamePixels() throws {
        let w = 70, h = 300  // > 65535 bytes of scanlines: exercises several stored blocks
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for i in rgb.indices { rgb[i] = UInt8((i * 7 + i / 97) & 0xff) }
        let png = PNGWriter.encode(width: w, height: h, rgb: rgb)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("camsift-png-\(getpid()).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(png).write(to: URL(fileURLWithPath: path))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(Array(data) == rgb)
    }
}
