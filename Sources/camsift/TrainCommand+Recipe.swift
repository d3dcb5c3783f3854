import Learning
import Media

/// `camsift train`'s recipe options: the augmentation and optimiser specs, parsed and printed.
extension TrainCommand {
    /// The preset's name when `g` is one, else its key=number spec (for `--help`'s defaults and reports).
    static func augmentationName(_ g: Augmentation) -> String {
        if let p = Augmentation.presets.first(where: { $0.value == g }) { return p.name }
        return g.isIdentity ? "none" : augmentationSpec(g)
    }

    static func augmentationSpec(_ g: Augmentation) -> String {
        let shift = g.widthShift == g.heightShift
            ? "shift=\(n(g.widthShift))" : "width-shift=\(n(g.widthShift)),height-shift=\(n(g.heightShift))"
        return "shear=\(n(g.shear)),flip=\(g.horizontalFlip ? 1 : 0),rotation=\(n(g.rotationDegrees)),\(shift),"
            + "brightness=\(n(g.brightness)),pixel=\(g.wholePixelShift ? 1 : 0),zero-pad=\(g.zeroPad ? 1 : 0)"
            + (g.erase > 0 ? ",erase=\(n(g.erase))" : "")
    }

    /// Parses `[preset][,key=number…]`: `standard`, `method,shift=0.1`, `shear=0,rotation=5`. Keys not given keep
    /// the preset's values, or `base`'s when no preset is named; `none` turns augmentation off.
    static func augmentation(_ s: String, base: Augmentation) throws -> Augmentation {
        var g = base
        for (k, part) in s.split(separator: ",").enumerated() {
            if k == 0, !part.contains("=") {
                if part == "none" { g = .none; continue }
                guard let p = Augmentation.presets.first(where: { $0.name == part }) else {
                    throw UsageError("--augment: unknown preset '\(part)' (" + (Augmentation.presets.map(\.name) + ["none"])
                        .joined(separator: ", ") + ")")
                }
                g = p.value
                continue
            }
            let (key, number) = try keyNumber(part, option: "--augment")
            let v = Float(number)
            switch key {
            case "shear": g.shear = v
            case "flip": g.horizontalFlip = v != 0
            case "rotation": g.rotationDegrees = v
            case "shift": g.widthShift = v; g.heightShift = v
            case "width-shift": g.widthShift = v
            case "height-shift": g.heightShift = v
            case "brightness": g.brightness = v
            case "pixel": g.wholePixelShift = v != 0
            case "zero-pad": g.zeroPad = v != 0
            case "erase":
                guard (0...1).contains(v) else { throw UsageError("--augment: erase is a probability in [0, 1], got \(number)") }
                g.erase = v
            default:
                throw UsageError("--augment: unknown key '\(key)' (shear, flip, rotation, shift, width-shift, height-shift, brightness, pixel, zero-pad, erase)")
            }
        }
        return g
    }

    static func optimizerSpec(_ o: OptimizerSettings) -> String {
        "momentum=\(n(o.momentum)),nesterov=\(o.nesterov ? 1 : 0),weight-decay=\(o.weightDecay),"
            + "decoupled=\(o.decoupledWeightDecay ? 1 : 0),warmup=\(o.warmupFraction),decay-all=\(o.decayAll ? 1 : 0)"
    }

    /// Parses `momentum=0.9,nesterov=1,weight-decay=5e-4,decoupled=0,warmup=0.05,decay-all=0` over `base`.
    static func optimizer(_ s: String, base: OptimizerSettings) throws -> OptimizerSettings {
        var o = base
        for part in s.split(separator: ",") {
            let (key, v) = try keyNumber(part, option: "--optimizer")
            switch key {
            case "momentum":
                guard (0..<1).contains(v) else { throw UsageError("--optimizer: momentum must be in [0, 1), got \(v)") }
                o.momentum = Float(v)
            case "nesterov": o.nesterov = v != 0
            case "weight-decay":
                guard v >= 0 else { throw UsageError("--optimizer: weight-decay must be ≥ 0, got \(v)") }
                o.weightDecay = Float(v)
            case "decoupled": o.decoupledWeightDecay = v != 0
            case "decay-all": o.decayAll = v != 0
            case "warmup":
                guard (0..<1).contains(v) else { throw UsageError("--optimizer: warmup must be a fraction in [0, 1), got \(v)") }
                o.warmupFraction = v
            default: throw UsageError("--optimizer: unknown key '\(key)' (momentum, nesterov, weight-decay, decoupled, warmup, decay-all)")
            }
        }
        if o.nesterov && o.momentum == 0 { throw UsageError("--optimizer: nesterov needs momentum > 0") }
        return o
    }

    /// One `key=number` of a spec option, or a usage error naming the option.
    private static func keyNumber(_ part: Substring, option: String) throws -> (key: String, value: Double) {
        let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2, let v = Double(kv[1]) else { throw UsageError("\(option): '\(part)' is not key=number") }
        return (kv[0], v)
    }

    private static func n(_ x: Float) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
}
