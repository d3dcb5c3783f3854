import CamsiftCore
import Testing
@testable import Serving

/// `ModelInput`'s arithmetic is the contract training and serving share: fixed luma weights, fixed
/// normalisation order, and frames of the wrong size refused rather than silently misframed.
@Suite struct ModelInputTests {
    static func frame(_ side: Int, seed: Int) -> DecodedFrame {
        DecodedFrame(width: side, height: side, rgb: (0..<(side * side * 3)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ seed) })
    }

    @Test func rgbTensorIsChannelMajorAndNormalised() throws {
        let g = InputGeometry(size: 4, channels: 3, mean: [10, 20, 30], std: [2, 4, 8])
        let f = Self.frame(4, seed: 1)
        let t = try ModelInput.tensor([f, f], geometry: g)
        #expect(t.count == 2 * 3 * 16)
        for c in 0..<3 {
            for p in 0..<16 {
                let want = (Float(f.rgb[p * 3 + c]) - g.mean[c]) * (1 / g.std[c])
                #expect(t[c * 16 + p] == want && t[48 + c * 16 + p] == want)
            }
        }
    }

    @Test func greyIsBT601Luma() throws {
        let g = InputGeometry(size: 3, channels: 1)
        let f = Self.frame(3, seed: 5)
        let t = try ModelInput.tensor([f], geometry: g)
        for p in 0..<9 {
            let y = 0.299 * Float(f.rgb[p * 3]) + 0.587 * Float(f.rgb[p * 3 + 1]) + 0.114 * Float(f.rgb[p * 3 + 2])
            #expect(t[p] == y)
        }
    }

    @Test func aFrameOfAnotherSizeIsRefused() {
        let g = InputGeometry(size: 8, channels: 3)
        #expect(throws: ServingError.self) { try ModelInput.tensor([Self.frame(4, seed: 0)], geometry: g) }
    }

    @Test func geometryProblemsNameTheField() {
        #expect(InputGeometry(size: 224).problem == nil)
        #expect(InputGeometry(size: 224, cropFraction: 0).problem?.contains("cropFraction") == true)
        #expect(InputGeometry(size: 224, channels: 2).problem?.contains("channels") == true)
        #expect(InputGeometry(size: 224, std: [1, 0, 1]).problem?.contains("std") == true)
    }

    @Test func servedRolesFollowTheFusionRule() {
        func bundle(_ fusion: Fusion?, primary: String = "fused", models: [String] = ["M0", "M1"]) -> ServedBundle {
            ServedBundle(classes: ["a", "b"], models: Dictionary(uniqueKeysWithValues: models.map { ($0, $0 + ".csm") }),
                         primary: primary, fusion: fusion, architecture: "small-cnn", inputShape: [1, 28, 28],
                         normalization: Normalization(mean: [0], std: [1]), inputGeometry: nil)
        }
        let pool = Fusion(ratios: [1, 0.1], threshold: 0, rule: .adjusted, priorWeight: 0.25, m0Weight: 0.25)
        let m1Only = Fusion(ratios: [1, 0.1], threshold: 0, rule: .adjusted, priorWeight: 0.5, m0Weight: 0)
        #expect(bundle(pool).servedRoles == ["M0", "M1"])
        #expect(bundle(m1Only).servedRoles == ["M1"])
        #expect(bundle(nil, primary: "M0", models: ["M0"]).servedRoles == ["M0"])
    }
}
