import CamsiftCore
import Foundation
import Testing
import Media
@testable import Learning

/// Issue 16's recipe: the per-step schedule's end points, the optimiser settings reaching the engine, and the
/// pad-and-crop augmentation, each against values worked out by hand.
@Suite struct TrainingRecipeTests {
    /// Warm-up over round(5 % · 1000) = 50 steps, then cosine to 0 over the remaining 950.
    @Test func warmupThenCosineEndPoints() {
        var c = TrainingConfiguration()
        c.learningRate = 0.05
        #expect(c.schedule == .warmupCosine)
        func lr(_ s: Int) -> Double { Double(c.learningRate(step: s, of: 1000, iteration: 0)) }
        #expect(abs(lr(0) - 0.05 / 50) < 1e-9)              // first step: 1/50 of the peak
        #expect(abs(lr(24) - 0.05 * 25 / 50) < 1e-9)        // linear
        #expect(abs(lr(49) - 0.05) < 1e-9)                  // end of warm-up: the peak
        #expect(abs(lr(50) - 0.05) < 1e-9)                  // cosine starts at the peak
        #expect(abs(lr(50 + 475) - 0.025) < 1e-7)           // half-way through the cosine: half the peak
        // The last step: ½·0.05·(1 + cos(π·949/950)) ≈ 1.37e-7, and never below 0.
        #expect(lr(999) > 0 && lr(999) < 2e-7)
        #expect(lr(5000) == 0)
        // The earlier per-iteration cosine is still there, by name.
        c.schedule = .cosine
        c.iterations = 15
        #expect(abs(Double(c.learningRate(step: 999, of: 1000, iteration: 14)) - 0.05 * 0.01) < 1e-9)
    }

    @Test func warmupFractionZeroIsPlainCosine() {
        var c = TrainingConfiguration()
        c.optimizer?.warmupFraction = 0
        #expect(abs(Double(c.learningRate(step: 0, of: 100, iteration: 0)) - Double(c.learningRate)) < 1e-9)
    }

    /// The trainer hands the settings to the engine's SGD; bundles from before the recipe decode as legacy.
    @Test func optimizerSettingsReachTheEngineAndOldConfigurationsDecode() throws {
        let net = try EngineNetwork.smallCNN(channels: 1, size: 28, classCount: 3, seed: 1)
        net.configureOptimizer(OptimizerSettings(momentum: 0.8, nesterov: true, weightDecay: 1e-3, decoupledWeightDecay: true))
        #expect(net.optimizer.nesterov && net.optimizer.decoupledWeightDecay)
        #expect(net.optimizer.momentum == 0.8 && net.optimizer.weightDecay == 1e-3)
        net.configureOptimizer(.legacy)
        #expect(!net.optimizer.nesterov && !net.optimizer.decoupledWeightDecay)

        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingConfiguration())) as! [String: Any]
        json.removeValue(forKey: "optimizer")
        var aug = json["augmentation"] as! [String: Any]
        aug.removeValue(forKey: "wholePixelShift")
        json["augmentation"] = aug
        let old = try JSONDecoder().decode(TrainingConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.optimizer == nil)
        #expect(old.augmentation.wholePixelShift == false)
    }

    /// `decayAll` reaches the engine; configurations and bundles from before it decode with it off.
    @Test func decayAllReachesTheEngineAndOldSettingsDecode() throws {
        let net = try EngineNetwork.smallCNN(channels: 1, size: 28, classCount: 3, seed: 1)
        net.configureOptimizer(OptimizerSettings(decayAll: true))
        #expect(net.optimizer.decayAll)
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(OptimizerSettings(decayAll: true))) as! [String: Any]
        json.removeValue(forKey: "decayAll")
        let old = try JSONDecoder().decode(OptimizerSettings.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old == OptimizerSettings(decayAll: false) && OptimizerSettings.standard.decayAll)
    }

    /// θ̄ ← d·θ̄ + (1 − d)·θ with d = min(decay, (1 + t)/(10 + t)), by hand.
    @Test func weightAverageByHand() {
        var a = WeightAverage(decay: 0.5)
        a.update(with: [[2, 4]])              // t = 0: the first snapshot is the average
        #expect(a.average == [[2, 4]])
        #expect(abs(a.currentDecay - 2.0 / 11) < 1e-12)   // t = 1: warm-up decay 2/11 < 0.5
        a.update(with: [[13, 15]])            // 2/11·2 + 9/11·13 = 11.0, 2/11·4 + 9/11·15 = 13.0
        #expect(abs(a.average[0][0] - 11) < 1e-5 && abs(a.average[0][1] - 13) < 1e-5)
        for _ in 0..<20 { a.update(with: [[1, 1]]) }
        #expect(a.currentDecay == 0.5 && abs(a.average[0][0] - 1) < 1e-4)
    }

    /// `zeroPad`: pixels shifted in from outside read 0 (PyTorch's pad-and-crop), the rest is the exact crop.
    @Test func zeroPaddedShiftFillsWithZero() {
        var img = FloatImage(channels: 1, height: 5, width: 6)
        for y in 0..<5 { for x in 0..<6 { img[0, y, x] = Float(10 * y + x + 1) } }
        let out = Augmentation.apply(AugmentationDraw(shiftX: 1.0 / 6, shiftY: -2.0 / 5, zeroPad: true), to: img)
        for y in 0..<5 {
            for x in 0..<6 {
                let sy = y + 2, sx = x - 1   // content moves right 1 and up 2
                let expected = sy > 4 || sx < 0 ? 0 : img[0, sy, sx]
                #expect(out[0, y, x] == expected, "(\(y), \(x))")
            }
        }
    }

    /// `standard` at 28 px: whole-pixel shifts of −2…2 (±1/14 of the side), each about 1/5 of the draws; at
    /// 224 px up to ±16.
    @Test func standardShiftIsWholePixelsAndScalesWithTheInput() {
        var rng = SeededGenerator(seed: 3, stream: "test")
        var seen: [Int: Int] = [:]
        for _ in 0..<10_000 {
            let d = Augmentation.standard.draw(width: 28, height: 28) { rng.unit() }
            let px = d.shiftX * 28
            #expect(abs(px - px.rounded()) < 1e-4)
            seen[Int(px.rounded()), default: 0] += 1
            #expect(d.rotation == 0 && d.shear == 0 && d.brightness == 1)
        }
        #expect(Set(seen.keys) == [-2, -1, 0, 1, 2])
        for (_, n) in seen { #expect(n > 1_800 && n < 2_200) }
        var big = 0
        for _ in 0..<2_000 {
            let d = Augmentation.standard.draw(width: 224, height: 224) { rng.unit() }
            big = max(big, Int((abs(d.shiftY) * 224).rounded()))
        }
        #expect(big == 16)
    }

    /// A one-pixel shift is an exact crop of the edge-padded image (no bilinear blend).
    @Test func wholePixelShiftIsAnExactCrop() {
        var img = FloatImage(channels: 1, height: 5, width: 6)
        for y in 0..<5 { for x in 0..<6 { img[0, y, x] = Float(10 * y + x) } }
        let d = AugmentationDraw(shiftX: 1.0 / 6, shiftY: -2.0 / 5)
        let out = Augmentation.apply(d, to: img)
        for y in 0..<5 {
            for x in 0..<6 {
                let sy = min(4, y + 2), sx = max(0, x - 1)   // content moves right 1 and up 2; edges repeat
                #expect(out[0, y, x] == img[0, sy, sx], "(\(y), \(x))")
            }
        }
    }
}
