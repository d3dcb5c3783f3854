import CamsiftCore
import Foundation
import Testing
@testable import Media

/// Inputs that must only ever produce a `MediaError` or a correct frame: everything libFuzzer kept in
/// fuzz/regressions/, plus every prefix and a sweep of byte corruptions of a real (small) camera JPEG.
@Suite("JPEG decode robustness (fuzz regressions)")
struct FuzzRegressionTests {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../fuzz/regressions").standardized.path

    func exercise(_ bytes: [UInt8], _ d: JPEGDecoder, _ filter: inout FrameFilter) -> Bool {
        bytes.withUnsafeBytes { buf in
            _ = try? d.header(buf)
            for (w, h, fit) in [(224, 224, FitMode.crop), (31, 97, .letterbox)] {
                do {
                    let f = try d.decode(buf, width: w, height: h, fit: fit)
                    guard f.rgb.count == w * h * 3 else { return false }
                    _ = filter.check(f, jpeg: buf)
                } catch {
                    guard error is MediaError else { return false }
                }
            }
            return true
        }
    }

    @Test("libFuzzer's kept inputs replay without a crash")
    func keptInputs() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Self.regressions)) ?? []
        let d = try JPEGDecoder()
        var filter = FrameFilter()
        for n in names where !n.hasSuffix(".md") {
            let bytes = [UInt8](FileManager.default.contents(atPath: Self.regressions + "/" + n) ?? Data())
            #expect(exercise(bytes, d, &filter), "\(n)")
        }
    }

    @Test("every prefix of a real JPEG is a frame or a MediaError, and prefixes count as truncated")
    func prefixes() throws {
        let small = try Footage.synthetic("small-real", "movie=\(Footage.frames.files[5]),scale=96:72")
        #expect(small.count > 500)
        let d = try JPEGDecoder()
        var filter = FrameFilter()
        var truncated = 0
        for n in stride(from: 0, to: small.count - 2, by: 3) {
            let cut = Array(small.prefix(n))
            #expect(exercise(cut, d, &filter), "prefix \(n)")
            let reason = cut.withUnsafeBytes { buf -> RejectReason? in
                do { _ = try d.decode(buf, width: 64, height: 64, fit: .crop); return nil } catch { return (error as? MediaError)?.rejectReason }
            }
            if reason == .truncated { truncated += 1 }
        }
        // Nearly all prefixes are reported truncated (a few very short ones lack even a valid SOI).
        #expect(truncated > (small.count / 3) * 9 / 10)
    }

    @Test("byte corruptions across the whole file never crash the decoder")
    func corruptions() throws {
        let small = try Footage.synthetic("small-real2", "movie=\(Footage.frames.files[6]),scale=160:120")
        let d = try JPEGDecoder()
        var filter = FrameFilter()
        for i in stride(from: 2, to: small.count, by: 5) {
            for x: UInt8 in [0xFF, 0x00, 0x80] {
                var b = small
                b[i] = x
                #expect(exercise(b, d, &filter), "byte \(i) := \(x)")
            }
        }
    }
}
