import CamsiftCore
import Testing
@testable import Media

@Suite("JPEG decode")
struct JPEGDecoderTests {
    @Test("real camera frames decode to the exact model size in both fit modes",
          arguments: [(224, 224, FitMode.crop), (224, 224, .letterbox), (160, 120, .crop), (300, 100, .letterbox)])
    func sizes(_ w: Int, _ h: Int, _ fit: FitMode) throws {
        let d = try JPEGDecoder()
        for f in Footage.frames.files.prefix(3) {
            let jpeg = Footage.bytes(f)
            let frame = try jpeg.withUnsafeBytes { try d.decode($0, width: w, height: h, fit: fit) }
            #expect(frame.width == w && frame.height == h && frame.rgb.count == w * h * 3)
            #expect(frame.rgb.contains { $0 > 40 }, "decoded frame is not black")
        }
    }

    @Test("pixels match an independent reference: ffmpeg's area scaler with the same framing",
          arguments: [(FitMode.crop, "scale=-2:224:flags=area,crop=224:224"),
                      (.letterbox, "scale=224:-2:flags=area,pad=224:224:(ow-iw)/2:(oh-ih)/2:black")])
    func matchesReference(_ fit: FitMode, _ vf: String) throws {
        let d = try JPEGDecoder()
        for (i, file) in Footage.frames.files.prefix(3).enumerated() {
            let out = Footage.frames.dir + "/ref-\(fit.rawValue)-\(i).rgb"
            let status = try Footage.run("/usr/bin/ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", file, "-vf", vf,
                                                             "-f", "rawvideo", "-pix_fmt", "rgb24", out])
            #expect(status == 0)
            let ref = Footage.bytes(out)
            #expect(ref.count == 224 * 224 * 3)
            let ours = try Footage.bytes(file).withUnsafeBytes { try d.decode($0, width: 224, height: 224, fit: fit) }
            // Worst channel's mean absolute difference: a corrupted channel cannot hide behind two good ones.
            var sad = [0, 0, 0]
            for k in 0..<min(ref.count, ours.rgb.count) { sad[k % 3] += abs(Int(ref[k]) - Int(ours.rgb[k])) }
            let mae = Double(sad.max()!) / Double(ref.count / 3)
            #expect(mae < 4, "worst-channel mean abs difference \(mae) for \(fit) frame \(i)")
        }
    }

    @Test("header reads the camera's size without decoding")
    func header() throws {
        #expect(Footage.frames.files.count == 12)
        let jpeg = Footage.bytes(Footage.frames.files[0])
        let h = try jpeg.withUnsafeBytes { try JPEGDecoder().header($0) }
        #expect(h.width == 768 && h.height == 576)
    }

    @Test("DCT scale is the smallest factor that still covers the target")
    func scaleChoice() throws {
        // 768×576 → 224 crop needs 224/576 = 0.389: 3/8 (0.375) is too small, 1/2 is the answer.
        #expect(JPEGDecoder.scale(sourceWidth: 768, sourceHeight: 576, width: 224, height: 224, fit: .crop) == (1, 2))
        // Letterbox needs 224/768 = 0.292: 3/8.
        #expect(JPEGDecoder.scale(sourceWidth: 768, sourceHeight: 576, width: 224, height: 224, fit: .letterbox) == (3, 8))
        // 1920×1080 crop to 224: 0.207 → 1/4; a 4K frame 0.104 → 1/8; a small frame upsamples at 1/1.
        #expect(JPEGDecoder.scale(sourceWidth: 1920, sourceHeight: 1080, width: 224, height: 224, fit: .crop) == (1, 4))
        #expect(JPEGDecoder.scale(sourceWidth: 3840, sourceHeight: 2160, width: 224, height: 224, fit: .crop) == (1, 8))
        #expect(JPEGDecoder.scale(sourceWidth: 160, sourceHeight: 120, width: 224, height: 224, fit: .crop) == (1, 1))
        let d = try JPEGDecoder()
        let jpeg = Footage.bytes(Footage.frames.files[1])
        _ = try jpeg.withUnsafeBytes { try d.decode($0, width: 224, height: 224, fit: .crop) }
        #expect(d.lastScale == (1, 2))
    }

    @Test("letterbox keeps black bars; crop fills the frame")
    func framing() throws {
        // A 2:1 white image: letterboxed into a square it leaves black bars top and bottom.
        let white = try Footage.synthetic("white-2x1", "color=c=white:s=640x320")
        let d = try JPEGDecoder()
        let lb = try white.withUnsafeBytes { try d.decode($0, width: 100, height: 100, fit: .letterbox) }
        func px(_ f: DecodedFrame, _ x: Int, _ y: Int) -> Int { Int(f.rgb[(y * f.width + x) * 3 + 1]) }
        #expect(px(lb, 50, 2) == 0 && px(lb, 50, 97) == 0, "bars are black")
        #expect(px(lb, 50, 50) > 240 && px(lb, 2, 50) > 240, "content spans the full width")
        // Into a wider target the bars are left and right.
        let side = try white.withUnsafeBytes { try d.decode($0, width: 300, height: 100, fit: .letterbox) }
        #expect(px(side, 20, 50) == 0 && px(side, 280, 50) == 0, "side bars are black")
        #expect(px(side, 150, 2) > 240 && px(side, 150, 97) > 240, "content spans the full height")
        let cr = try white.withUnsafeBytes { try d.decode($0, width: 100, height: 100, fit: .crop) }
        #expect(cr.rgb.allSatisfy { $0 > 240 }, "crop has no bars")
    }

    @Test("crop takes the centre: a left/right split image keeps both halves around the middle")
    func cropCentre() throws {
        // Left half red, right half blue, 4:1 wide: the centre square straddles the split.
        let img = try Footage.synthetic("split", "color=c=red:s=400x100[a];color=c=blue:s=400x100[b];[a][b]hstack", extra: [])
        let d = try JPEGDecoder()
        let f = try img.withUnsafeBytes { try d.decode($0, width: 64, height: 64, fit: .crop) }
        let left = (8 * 64 + 4) * 3, right = (8 * 64 + 59) * 3
        #expect(f.rgb[left] > 180 && f.rgb[left + 2] < 80, "left of centre is red")
        #expect(f.rgb[right + 2] > 180 && f.rgb[right] < 80, "right of centre is blue")
    }

    @Test("truncated JPEGs are rejected as truncated, garbage as undecodable, without crashing")
    func badInput() throws {
        let d = try JPEGDecoder()
        let jpeg = Footage.bytes(Footage.frames.files[2])
        for cut in [jpeg.count / 2, jpeg.count * 9 / 10, jpeg.count - 2] {
            let head = Array(jpeg.prefix(cut))
            let e = #expect(throws: MediaError.self) { try head.withUnsafeBytes { try d.decode($0, width: 224, height: 224, fit: .crop) } }
            #expect(e?.rejectReason == .truncated, "cut at \(cut): \(String(describing: e))")
        }
        let tiny = Array(jpeg.prefix(300))
        let e1 = #expect(throws: MediaError.self) { try tiny.withUnsafeBytes { try d.decode($0, width: 224, height: 224, fit: .crop) } }
        #expect(e1?.rejectReason == .truncated)

        let html = Array("<html><body>Camera offline</body></html>".utf8)
        let e2 = #expect(throws: MediaError.self) { try html.withUnsafeBytes { try d.decode($0, width: 224, height: 224, fit: .crop) } }
        #expect(e2?.code == .undecodable)
        #expect(e2?.message.contains("SOI") == true)

        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var junk = [UInt8](repeating: 0, count: Int.random(in: 0..<4096, using: &rng))
            for i in junk.indices { junk[i] = UInt8.random(in: 0...255, using: &rng) }
            if junk.count > 2 { junk[0] = 0xFF; junk[1] = 0xD8 }
            let bytes = junk
            do {
                _ = try bytes.withUnsafeBytes { try d.decode($0, width: 224, height: 224, fit: .crop) }
                Issue.record("random bytes decoded")
            } catch let e as MediaError {
                #expect(e.rejectReason != nil)
            }
        }
        // Corrupt entropy data inside an otherwise complete file.
        var flipped = jpeg
        for i in stride(from: jpeg.count / 3, to: jpeg.count * 2 / 3, by: 97) { flipped[i] ^= 0x5A }
        do {
            _ = try flipped.withUnsafeBytes { try d.decode($0, width: 224, height: 224, fit: .crop) }
        } catch let e as MediaError {
            #expect(e.rejectReason == .undecodable || e.rejectReason == .truncated)
        }
        // The decoder still works after all that.
        let ok = try jpeg.withUnsafeBytes { try d.decode($0, width: 224, height: 224, fit: .crop) }
        #expect(ok.width == 224)
    }

    @Test("a header claiming a huge image is rejected as oversized before any allocation")
    func oversized() throws {
        var jpeg = Footage.bytes(Footage.frames.files[0])
        // Patch the SOF0 height/width fields to 60000×60000.
        guard let sof = (0..<jpeg.count - 9).first(where: { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) }) else {
            Issue.record("no SOF marker"); return
        }
        jpeg[sof + 5] = 0xEA; jpeg[sof + 6] = 0x60; jpeg[sof + 7] = 0xEA; jpeg[sof + 8] = 0x60
        let e = #expect(throws: MediaError.self) { try jpeg.withUnsafeBytes { try JPEGDecoder().decode($0, width: 224, height: 224, fit: .crop) } }
        #expect(e?.rejectReason == .oversized)
    }

    @Test("invalid target sizes are argument errors, not frame rejects")
    func badTarget() throws {
        let jpeg = Footage.bytes(Footage.frames.files[0])
        let e = #expect(throws: MediaError.self) { try jpeg.withUnsafeBytes { try JPEGDecoder().decode($0, width: 0, height: 224, fit: .crop) } }
        #expect(e?.code == .invalidArgument && e?.rejectReason == nil)
    }
}
