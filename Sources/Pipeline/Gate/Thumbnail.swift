import CamsiftCore

/// A 16×16 grey thumbnail (area average of BT.601 luma): the cheap fingerprint change gating compares.
/// 256 bytes per camera, so 10,000 cameras cost 2.5 MB.
struct Thumbnail: Sendable, Equatable {
    static let side = 16
    var pixels: [UInt8]

    init(pixels: [UInt8]) {
        precondition(pixels.count == Self.side * Self.side)
        self.pixels = pixels
    }

    init(_ frame: DecodedFrame) {
        let s = Self.side
        var sums = [UInt32](repeating: 0, count: s * s)
        var counts = [UInt32](repeating: 0, count: s * s)
        frame.rgb.withUnsafeBufferPointer { rgb in
            for y in 0..<frame.height {
                let ty = y * s / frame.height
                let row = y * frame.width * 3
                for x in 0..<frame.width {
                    let p = row + x * 3
                    // BT.601 luma in fixed point: (77 R + 150 G + 29 B) / 256
                    let l = (77 * UInt32(rgb[p]) + 150 * UInt32(rgb[p + 1]) + 29 * UInt32(rgb[p + 2])) >> 8
                    let t = ty * s + x * s / frame.width
                    sums[t] += l
                    counts[t] += 1
                }
            }
        }
        pixels = (0..<s * s).map { counts[$0] == 0 ? 0 : UInt8(sums[$0] / counts[$0]) }
    }

    /// Mean absolute difference, 0–255.
    func meanAbsoluteDifference(_ other: Thumbnail) -> Double {
        var total = 0
        for i in 0..<pixels.count { total += abs(Int(pixels[i]) - Int(other.pixels[i])) }
        return Double(total) / Double(pixels.count)
    }
}
