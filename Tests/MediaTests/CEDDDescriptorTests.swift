import CamsiftCore
import Testing
@testable import Media

/// CEDD (Chatzichristofis & Boutalis 2008) on hand-computed cases: the fuzzy colour units, the texture unit and
/// whole frames whose 144 bins follow by hand; plus the concatenated vector's layout.
@Suite struct CEDDDescriptorTests {
    func uniform(_ r: UInt8, _ g: UInt8, _ b: UInt8, side: Int = 8) -> DecodedFrame {
        DecodedFrame(width: side, height: side, rgb: [UInt8]((0..<(side * side)).flatMap { _ in [r, g, b] }))
    }

    func only(_ f: [Float], _ expected: [Int: Float]) -> Bool {
        f.indices.allSatisfy { abs(f[$0] - (expected[$0] ?? 0)) < 1e-6 }
    }

    @Test func uniformBlackIsNonEdgeBlack() {
        // Every block: no edge (all masks 0 < T0 = 14), V = 0 → black (bin 2) with membership 1.
        let f = CEDDDescriptor(gridSide: 4).features(uniform(0, 0, 0))
        #expect(f.count == 144 && only(f, [2: 1]))
    }

    @Test func uniformRedIsNonEdgeNormalRed() {
        // H = 0 (red set 1), S = 255 (high 1), V = 255 (bright 1) → red; 24-bin: S, V high → normal red, bin 4.
        #expect(only(CEDDDescriptor(gridSide: 4).features(uniform(255, 0, 0)), [4: 1]))
    }

    @Test func fuzzyHueSplitsBetweenRedAndOrange() {
        // (255, 34, 0): H = 60 · 34/255 = 8°: red set (0,0,5,10) → (10 − 8)/5 = 0.4, orange (5,10,35,50) →
        // (8 − 5)/5 = 0.6; S = V = 255 → normal shade. Bins 4 (normal red) 0.4 and 7 (normal orange) 0.6.
        let ten = CEDDDescriptor.tenBin(hue: 8, saturation: 255, value: 255)
        #expect(abs(ten[3] - 0.4) < 1e-12 && abs(ten[4] - 0.6) < 1e-12)
        #expect(only(CEDDDescriptor(gridSide: 2).features(uniform(255, 34, 0)), [4: 0.4, 7: 0.6]))
    }

    @Test func greyLevelsAndShades() {
        // Low saturation: V = 50 → dark set (0,0,10,75) (75−50)/65, mid set (10,75,…) (50−10)/65 → black / grey.
        let ten = CEDDDescriptor.tenBin(hue: 0, saturation: 0, value: 50)
        #expect(abs(ten[2] - 25.0 / 65) < 1e-12 && abs(ten[1] - 40.0 / 65) < 1e-12 && ten[0] == 0)
        #expect(CEDDDescriptor.tenBin(hue: 0, saturation: 0, value: 240)[0] == 1, "white")
        // Green (H 120) at S = 128, V = 100: value sets (mid 1) → green 1; shades: S 128 → low (188−128)/120 = 0.5,
        // high (128−68)/120 = 0.5; V 100 → dark (188−100)/120, bright (100−68)/120. Dark gets min(·, V dark)
        // twice; normal min(S high, V bright); light min(S low, V bright).
        let twentyFour = CEDDDescriptor.twentyFourBin(CEDDDescriptor.tenBin(hue: 120, saturation: 128, value: 100),
                                                      saturation: 128, value: 100)
        let vDark = 88.0 / 120, vBright = 32.0 / 120
        #expect(abs(twentyFour[12] - vBright) < 1e-12)             // light green: min(0.5, 0.267)
        #expect(abs(twentyFour[13] - vBright) < 1e-12)             // normal green
        #expect(abs(twentyFour[14] - 2 * min(0.5, vDark)) < 1e-12)  // dark green
    }

    @Test func textureUnitMasks() {
        #expect(CEDDDescriptor.textureClasses(100, 100, 100, 100) == [0])
        #expect(CEDDDescriptor.textureClasses(255, 0, 255, 0) == [3], "left bright, right dark: vertical edge")
        #expect(CEDDDescriptor.textureClasses(255, 255, 0, 0) == [2], "horizontal edge")
        #expect(CEDDDescriptor.textureClasses(255, 0, 0, 255) == [1], "checker: non-directional")
        #expect(CEDDDescriptor.textureClasses(255, 0, 0, 0) == [1], "corner: nd 510 vs 45° 360.6")
        #expect(CEDDDescriptor.textureClasses(0, 6, 0, 0) == [0], "largest mask (non-directional) 12 < T0 = 14")
        #expect(CEDDDescriptor.textureClasses(0, 8, 0, 0) == [1], "non-directional 16 ≥ T0")
    }

    @Test func verticalEdgeFrameVotesGreyInVerticalTexture() {
        // 4×4, one block: left half white, right half black → sub-block lumas 255, 0, 255, 0 → vertical (3);
        // mean colour 127.5 grey → S 0, V 127.5 (mid set 1) → grey. All mass in bin 3·24 + 1.
        var rgb: [UInt8] = []
        for _ in 0..<4 { for x in 0..<4 { let v: UInt8 = x < 2 ? 255 : 0; rgb += [v, v, v] } }
        #expect(only(CEDDDescriptor(gridSide: 1).features(DecodedFrame(width: 4, height: 4, rgb: rgb)), [73: 1]))
    }

    @Test func footageHistogramIsNormalisedAndUsesSeveralTextures() throws {
        let jpeg = Footage.bytes(Footage.frames.files[2])
        let frame = try jpeg.withUnsafeBytes { try JPEGDecoder().decode($0, width: 160, height: 120, fit: .crop) }
        let f = CEDDDescriptor().features(frame)
        #expect(abs(f.reduce(0, +) - 1) < 1e-4)
        let perTexture = (0..<6).map { t in f[(t * 24)..<((t + 1) * 24)].reduce(0, +) }
        #expect(perTexture.filter { $0 > 0.01 }.count >= 3, "\(perTexture)")
        let all = LowLevelFeatures().features(frame)
        #expect(all.count == LowLevelFeatures().featureCount(width: 160, height: 120))
        #expect(Array(all.suffix(144)) == f)
    }
}
