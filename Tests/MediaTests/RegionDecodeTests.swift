import CamsiftCore
import Foundation
import Testing
@testable import Media

/// A camera region (`Region`) in the JPEG path: the region is cut out once at full resolution
/// (`JPEGDecoder.decodeRegion`), re-encoded once (`RegionFrame`, quality 95), and the model input is decoded
/// from that JPEG with the ordinary `decode(_:geometry:)`.
@Suite("JPEG decode with a camera region")
struct RegionDecodeTests {
    static let photos = "/usr/share/doc/opencv-doc/examples/data/"
    static let files = ["messi5.jpg", "building.jpg", "fruits.jpg", "baboon.jpg"]
    static let regions = [Region(x: 0.1, y: 0.4, w: 0.5, h: 0.5), Region(x: 0.37, y: 0.05, w: 0.6, h: 0.3),
                          Region(x: 0, y: 0, w: 1, h: 1), Region(x: 0.8, y: 0.7, w: 0.08, h: 0.1)]
    static let geometries = [InputGeometry(size: 224, fit: .crop, cropFraction: 0.875),
                             InputGeometry(size: 48, fit: .letterbox, cropFraction: 0.9),
                             InputGeometry(size: 40, channels: 1, fit: .crop)]

    static func bytes(_ f: String) throws -> [UInt8] {
        try #require(FileManager.default.contents(atPath: photos + f).map { [UInt8]($0) },
                     "sample photo \(photos + f) missing: install opencv-doc (`make deps`)")
    }

    /// The cut-out is exactly `Region.pixels` of a whole decode at full resolution (a decode to the frame's own
    /// size is the identity resample): cropping the decoded window and stopping early change no pixel.
    @Test func decodeRegionIsTheCropOfTheWholeDecode() throws {
        let d = try JPEGDecoder()
        for file in Self.files {
            let jpeg = try Self.bytes(file)
            let (w, h) = try jpeg.withUnsafeBytes { try d.header($0) }
            let whole = try jpeg.withUnsafeBytes { try d.decode($0, width: w, height: h, fit: .crop) }
            for region in Self.regions {
                let cut = try jpeg.withUnsafeBytes { try d.decodeRegion($0, region: region) }
                let r = region.pixels(width: w, height: h)
                #expect(cut.width == r.width && cut.height == r.height, "\(file) \(region)")
                var reference: [UInt8] = []
                for y in r.y..<(r.y + r.height) { reference += whole.rgb[((y * w + r.x) * 3)..<((y * w + r.x + r.width) * 3)] }
                #expect(cut.rgb == reference, "\(file) \(region): cut-out differs from the whole decode's rectangle")
            }
        }
    }

    /// `RegionFrame` returns the JPEG and the model input decoded from exactly those bytes, the way training
    /// decodes an archive file: one set of bytes, one model input.
    @Test(arguments: geometries) func regionInputIsDecodedFromTheRegionJPEG(_ g: InputGeometry) throws {
        let d = try JPEGDecoder(), other = try JPEGDecoder()
        let rf = try RegionFrame()
        for file in Self.files {
            let jpeg = try Self.bytes(file)
            let (w, h) = try jpeg.withUnsafeBytes { try d.header($0) }
            for region in Self.regions {
                let (bytes, pixels) = try jpeg.withUnsafeBytes { try rf.make(jpeg: $0, region: region, decoder: d, geometry: g) }
                let r = region.pixels(width: w, height: h)
                let size = try bytes.withUnsafeBytes { try other.header($0) }
                #expect(size.width == r.width && size.height == r.height, "the JPEG is the region: \(size) for \(r)")
                let again = try bytes.withUnsafeBytes { try other.decode($0, geometry: g) }
                #expect(pixels.width == g.size && pixels.height == g.size)
                #expect(pixels.rgb == again.rgb, "\(file) \(region) at \(g)")
            }
        }
    }

    /// Sanity, not identity: what the re-encode costs. (1) The region JPEG decoded at full resolution against
    /// the exact cut-out of the original; (2) the model input against the same framing of the cut-out encoded
    /// at quality 100 (the framing path needs a JPEG: DCT scaling happens in the decoder, so framing raw pixels
    /// with `refitted` would measure the resampler, not the re-encode). Mean absolute difference, 0…255 levels;
    /// measured worst over these photos, regions and geometries: 4.91 at full size (baboon's fur, the worst case
    /// for 4:2:0 at q95; bound 6) and 2.50 at the model input (bound 4). The figures are printed.
    @Test(arguments: geometries) func regionInputIsCloseToThePreCroppedOriginal(_ g: InputGeometry) throws {
        let d = try JPEGDecoder()
        let rf = try RegionFrame()
        let q100 = try JPEGEncoder(quality: 100)
        func mad(_ a: [UInt8], _ b: [UInt8]) -> Double {
            Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(max(1, a.count))
        }
        var worstFull = 0.0, worstInput = 0.0
        for file in Self.files {
            let jpeg = try Self.bytes(file)
            for region in Self.regions {
                let (bytes, live) = try jpeg.withUnsafeBytes { try rf.make(jpeg: $0, region: region, decoder: d, geometry: g) }
                let cut = try jpeg.withUnsafeBytes { try d.decodeRegion($0, region: region) }
                let back = try bytes.withUnsafeBytes { try d.decode($0, width: cut.width, height: cut.height, fit: .crop) }
                let full = mad(back.rgb, cut.rgb)
                let reference = try q100.encode(cut).withUnsafeBytes { try d.decode($0, geometry: g) }
                #expect(reference.rgb.count == live.rgb.count)
                let input = mad(live.rgb, reference.rgb)
                worstFull = max(worstFull, full)
                worstInput = max(worstInput, input)
                #expect(full < 6 && input < 4, "\(file) \(region) at \(g): mean abs difference \(full) (full size), \(input) (model input)")
            }
        }
        print("region sanity at \(g.size) \(g.fit): worst mean abs difference \(worstFull) levels at full size, "
              + "\(worstInput) levels at the model input")
    }
}
