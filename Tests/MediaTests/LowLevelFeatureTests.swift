import CamsiftCore
import Foundation
import Testing
@testable import Media

/// The low-level features of Yan, Chen, Shyu, Chen (§III-A) against references: scikit-image's `hog` for HOG
/// (run at test time on a real footage frame), Python's `colorsys` for HSV, hand-computed values and brute-force
/// sums for the rest.
@Suite struct LowLevelFeatureTests {
    /// A real frame from `vtest.avi`, scaled to `width` × `height`.
    func footageFrame(width: Int, height: Int, index: Int = 3) throws -> DecodedFrame {
        let jpeg = Footage.bytes(Footage.frames.files[index])
        return try jpeg.withUnsafeBytes { try JPEGDecoder().decode($0, width: width, height: height, fit: .crop) }
    }

    /// Runs python3 with `script` and `args`; returns stdout.
    func python(_ script: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "python3 failed; run `make deps` (python3-skimage)")
        return String(decoding: data, as: UTF8.self)
    }

    /// scikit-image's HOG of the raw RGB bytes in `path` (colour when `colour`, else channel 0 as greyscale).
    func skimageHOG(_ path: String, width: Int, height: Int, colour: Bool, hog: HOGDescriptor) throws -> [Double] {
        let script = """
        import sys, numpy as np
        from skimage.feature import hog
        w, h, colour = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == '1'
        img = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(h, w, 3)
        img = img if colour else img[:, :, 0]
        f = hog(img, orientations=int(sys.argv[5]), pixels_per_cell=(int(sys.argv[6]),) * 2,
                cells_per_block=(int(sys.argv[7]),) * 2, block_norm='L2-Hys',
                channel_axis=-1 if colour else None)
        print(' '.join(repr(float(v)) for v in f))
        """
        let out = try python(script, [path, "\(width)", "\(height)", colour ? "1" : "0", "\(hog.orientations)",
                                      "\(hog.pixelsPerCell)", "\(hog.cellsPerBlock)"])
        return out.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
    }

    @Test(arguments: [(true, 9, 8, 3), (false, 9, 8, 3), (true, 12, 6, 2)])
    func hogMatchesScikitImageOnFootage(colour: Bool, orientations: Int, cell: Int, block: Int) throws {
        let (w, h) = (96, 72)
        let frame = try footageFrame(width: w, height: h)
        let path = NSTemporaryDirectory() + "camsift-hog-\(getpid())-\(colour)-\(orientations).rgb"
        FileManager.default.createFile(atPath: path, contents: Data(frame.rgb))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let hog = HOGDescriptor(orientations: orientations, pixelsPerCell: cell, cellsPerBlock: block)
        let ours = colour ? hog.features(frame)
            : hog.features(planes: [(0..<(w * h)).map { Double(frame.rgb[3 * $0]) }], width: w, height: h)
        let reference = try skimageHOG(path, width: w, height: h, colour: colour, hog: hog)
        #expect(ours.count == hog.featureCount(width: w, height: h))
        #expect(reference.count == ours.count)
        let worst = zip(ours, reference).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst <= 1e-4, "largest |ours − skimage| = \(worst)")
        #expect(reference.contains { $0 > 0.05 }, "the footage frame must have gradients to compare")
    }

    @Test func hogOfAVerticalEdgeFallsInTheZeroDegreeBin() {
        // Left half 0, right half 100 on a 16×16 image, one 16-pixel cell, one block: only the two columns
        // around the edge have a gradient (g_col = 100, g_row = 0 → 0°), so every bin but the first is 0.
        let plane = (0..<256).map { Double($0 % 16 < 8 ? 0 : 100) }
        let f = HOGDescriptor(orientations: 9, pixelsPerCell: 16, cellsPerBlock: 1)
            .features(planes: [plane], width: 16, height: 16)
        #expect(f.count == 9)
        #expect(abs(f[0] - 1) < 1e-6)
        #expect(f.dropFirst().allSatisfy { $0 == 0 })
    }

    @Test func hsvMatchesColorsys() throws {
        var pixels: [(UInt8, UInt8, UInt8)] = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128), (0, 0, 0)]
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<60 { pixels.append((UInt8(rng.next() % 256), UInt8(rng.next() % 256), UInt8(rng.next() % 256))) }
        let list = pixels.map { "\($0.0),\($0.1),\($0.2)" }.joined(separator: ";")
        let out = try python("""
            import sys, colorsys
            for p in sys.argv[1].split(';'):
                r, g, b = (int(v) / 255 for v in p.split(','))
                h, s, v = colorsys.rgb_to_hsv(r, g, b)
                print(h * 360, s, v)
            """, [list])
        let rows = out.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
        #expect(rows.count == pixels.count)
        for (p, ref) in zip(pixels, rows) {
            let ours = HSVHistogram.hsv(p.0, p.1, p.2)
            #expect(abs(ours.h - ref[0]) < 1e-9 && abs(ours.s - ref[1]) < 1e-12 && abs(ours.v - ref[2]) < 1e-12,
                    "\(p): \(ours) vs \(ref)")
        }
    }

    @Test func hsvHistogramCountsHandComputedBins() {
        // 4 pixels: pure red (h 0, s 1, v 1 → bin (0,2,2) = 8), pure blue (h 240 → hue bin 5 → (5·3+2)·3+2 = 53),
        // two black (h 0, s 0, v 0 → bin 0).
        let frame = DecodedFrame(width: 2, height: 2, rgb: [255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0])
        let f = HSVHistogram().features(frame)
        #expect(f.count == 72)
        #expect(f[8] == 0.25 && f[53] == 0.25 && f[0] == 0.5)
        #expect(abs(f.reduce(0, +) - 1) < 1e-6)
    }

    @Test func ycbcrMomentsHandComputed() {
        // Two pixels, white and black: Y = 255 and 0 → mean 127.5, sd 127.5, skew 0; Cb = Cr = 128 both (sd 0).
        let frame = DecodedFrame(width: 2, height: 1, rgb: [255, 255, 255, 0, 0, 0])
        let f = YCbCrStatistics().features(frame)
        let expected: [Float] = [127.5 / 255, 127.5 / 255, 0, 128 / 255, 0, 0, 128 / 255, 0, 0]
        #expect(f.count == 9)
        for (a, b) in zip(f, expected) { #expect(abs(a - b) < 1e-5, "\(f)") }
        // Three pixels with Y = 0, 0, 255 (black, black, white): third central moment > 0, so skew > 0, and it is
        // the cube root of mean((y − 85)^3) = (2·(−85)^3 + 170^3) / 3.
        let g = YCbCrStatistics().features(DecodedFrame(width: 3, height: 1, rgb: [0, 0, 0, 0, 0, 0, 255, 255, 255]))
        let m3: Double = (2 * (-85.0 * -85.0 * -85.0) + 170.0 * 170.0 * 170.0) / 3
        #expect(abs(Double(g[2]) - cbrt(m3) / 255) < 1e-5)
    }

    @Test func haarMatchesBruteForceOnFootage() throws {
        let frame = try footageFrame(width: 37, height: 29)
        let haar = HaarFeatures(grids: [1, 2, 3])
        let f = haar.features(frame)
        #expect(f.count == haar.featureCount)
        let luma = HaarFeatures.luma(frame)
        func mean(_ rects: [(Int, Int, Int, Int)]) -> Double {
            var s = 0.0, n = 0
            for (x0, y0, x1, y1) in rects { for y in y0..<y1 { for x in x0..<x1 { s += luma[y * 37 + x]; n += 1 } } }
            return s / Double(n)
        }
        var k = 0
        for g in haar.grids {
            for wy in 0..<g {
                for wx in 0..<g {
                    let x0 = 37 * wx / g, x1 = 37 * (wx + 1) / g, y0 = 29 * wy / g, y1 = 29 * (wy + 1) / g
                    let w = x1 - x0, h = y1 - y0
                    let xm = x0 + w / 2, ym = y0 + h / 2
                    let xa = x0 + w / 3, xb = x0 + 2 * w / 3, ya = y0 + h / 3, yb = y0 + 2 * h / 3
                    let expected = [
                        mean([(x0, y0, xm, y1)]) - mean([(xm, y0, x1, y1)]),
                        mean([(x0, y0, x1, ym)]) - mean([(x0, ym, x1, y1)]),
                        mean([(x0, y0, xa, y1), (xb, y0, x1, y1)]) - mean([(xa, y0, xb, y1)]),
                        mean([(x0, y0, x1, ya), (x0, yb, x1, y1)]) - mean([(x0, ya, x1, yb)]),
                        mean([(x0, y0, xm, ym), (xm, ym, x1, y1)]) - mean([(xm, y0, x1, ym), (x0, ym, xm, y1)]),
                    ]
                    for e in expected { #expect(abs(Double(f[k]) - e / 255) < 1e-5); k += 1 }
                }
            }
        }
    }

    @Test func haarHandComputedEdges() {
        // 4×4: left half white, right half black → whole-window left−right = +1, top−bottom = 0.
        var rgb: [UInt8] = []
        for _ in 0..<4 { for x in 0..<4 { let v: UInt8 = x < 2 ? 255 : 0; rgb += [v, v, v] } }
        let f = HaarFeatures(grids: [1]).features(DecodedFrame(width: 4, height: 4, rgb: rgb))
        #expect(abs(f[0] - 1) < 1e-5 && abs(f[1]) < 1e-6)
        #expect(abs(f[4]) < 1e-6, "checkerboard prototype of a half/half split is 0")
    }
}
