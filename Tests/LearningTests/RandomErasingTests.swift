import CamsiftCore
import Foundation
import Testing
import Media

/// `Augmentation.erase` (Zhong et al. 2020, random erasing): how often, where and how big the rectangle is, what
/// `apply` changes, and that turning it off leaves every earlier draw as it was.
@Suite struct RandomErasingTests {
    /// With `erase` 0 the draw spends exactly the random numbers it spent before the option existed.
    @Test func offSpendsNoDrawsAndErasesNothing() {
        var calls = 0
        var rng = SeededGenerator(seed: 5, stream: "test")
        let off = Augmentation.standard.draw(width: 28, height: 28) { calls += 1; return rng.unit() }
        #expect(off.erased == nil)
        #expect(calls == 3)  // flip, shift x, shift y
        var erasing = Augmentation.standard
        erasing.erase = 1
        calls = 0
        rng = SeededGenerator(seed: 5, stream: "test")
        let on = erasing.draw(width: 28, height: 28) { calls += 1; return rng.unit() }
        #expect(on.flip == off.flip && on.shiftX == off.shiftX && on.shiftY == off.shiftY)
        #expect(on.erased != nil && calls > 3)
    }

    /// At p = ½ about half the draws erase; every rectangle lies inside the image with 2–40 % of its area (up to
    /// rounding of the sides) and an aspect ratio within 0.3–3.3 (likewise).
    @Test func rectanglesFollowThePaperRanges() {
        var g = Augmentation.standard
        g.erase = 0.5
        var rng = SeededGenerator(seed: 9, stream: "test")
        var erased = 0
        var areas: [Double] = []
        for _ in 0..<4_000 {
            guard let e = g.draw(width: 28, height: 28, { rng.unit() }).erased else { continue }
            erased += 1
            #expect(e.x >= 0 && e.y >= 0 && e.x + e.width <= 28 && e.y + e.height <= 28)
            let area = Double(e.width * e.height) / 784
            areas.append(area)
            #expect(area >= 0.02 * 0.6 && area <= 0.4 * 1.25, "area \(area)")
            let aspect = Double(e.height) / Double(e.width)
            #expect(aspect >= 0.3 / 1.6 && aspect <= 1.6 / 0.3, "aspect \(aspect)")
        }
        #expect(erased > 1_850 && erased < 2_150, "\(erased) of 4000 draws erased at p = 0.5")
        let mean = areas.reduce(0, +) / Double(areas.count)
        #expect(mean > 0.15 && mean < 0.25, "mean area \(mean): uniform in [0.02, 0.4] has mean 0.21")
    }

    /// `apply` fills exactly the rectangle with values in [0, 255] from the draw's seed (the same draw gives the same
    /// pixels) and leaves every other pixel as the geometric ops made it.
    @Test func applyFillsOnlyTheRectangle() {
        var img = FloatImage(channels: 2, height: 6, width: 7)
        for c in 0..<2 { for y in 0..<6 { for x in 0..<7 { img[c, y, x] = 100 } } }
        var d = AugmentationDraw()
        d.erased = .init(x: 2, y: 1, width: 3, height: 4, seed: 42)
        let out = Augmentation.apply(d, to: img), again = Augmentation.apply(d, to: img)
        var changed = 0
        for c in 0..<2 {
            for y in 0..<6 {
                for x in 0..<7 {
                    let inside = (2..<5).contains(x) && (1..<5).contains(y)
                    if inside {
                        #expect(out[c, y, x] >= 0 && out[c, y, x] <= 255)
                        if out[c, y, x] != 100 { changed += 1 }
                    } else {
                        #expect(out[c, y, x] == 100, "(\(c), \(y), \(x)) outside the rectangle")
                    }
                    #expect(out[c, y, x] == again[c, y, x])
                }
            }
        }
        #expect(changed >= 20, "random fill of 24 pixels left \(24 - changed) at the old value")
    }

    /// Bundles written before `erase` existed decode with it off.
    @Test func olderSettingsDecodeWithoutErasing() throws {
        var g = Augmentation.standard
        g.erase = 0.5
        let data = try JSONEncoder().encode(g)
        #expect(try JSONDecoder().decode(Augmentation.self, from: data).erase == 0.5)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["erase"] = nil
        let old = try JSONDecoder().decode(Augmentation.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old == .standard)
    }
}
