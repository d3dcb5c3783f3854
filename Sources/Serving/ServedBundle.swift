import CamsiftCore
import Foundation

/// The bundle format, as serving reads it: a directory holding `bundle.json` and the model files it names.
/// `camsift train` writes the full document (Learning's `ModelBundle`: these fields plus the training record —
/// counts, sampler, configuration, test metrics, provenance); serving decodes only what it needs to classify,
/// so the frame path never loads training types.
///
/// Model files carry a content hash in their names (`M0-1a2b3c4d.csm`) and `bundle.json` is replaced last,
/// atomically, so a reader (the pipeline's hot-swap) sees either the old or the new bundle, complete.
public struct ServedBundle: Sendable, Codable, Equatable {
    public static let fileName = "bundle.json"
    public static let formatVersion = 1
    public static let formatName = "camsift-bundle"

    public var format: String
    public var version: Int
    public var classes: [String]
    /// Model role ("M0", "M1") → file name inside the bundle directory.
    public var models: [String: String]
    /// "fused", "M0" or "M1": which prediction `camsift eval` and the pipeline use.
    public var primary: String
    public var fusion: Fusion?
    /// Other fusion rules chosen on the same reference set ("fused:eq3/mixed", ...), scored by `camsift eval`.
    public var alternatives: [String: Fusion]?
    public var architecture: String
    /// [channels, height, width] of the networks' own input (for transfer bundles: the backbone's image).
    public var inputShape: [Int]
    /// The training split's pixel normalisation (from-scratch networks; identity for transfer bundles, whose
    /// backbone file carries its own).
    public var normalization: Normalization
    /// How images become the models' input (size, channels, fit, crop fraction, normalisation). Written since
    /// issue 15; nil in older bundles, which are served as they always were (`geometry(backbone:)`).
    public var inputGeometry: InputGeometry?
    /// Temperature T of the primary prediction's probabilities (Guo et al. 2017, "On Calibration of Modern
    /// Neural Networks", §4.2): the daemon logs p_c ∝ exp(log p_c / T), T fitted by `camsift train` on the
    /// reference split so that logged scores track how often they are right. One value, not one per role:
    /// what is logged is the primary rule's output (fused, adjusted or a single model), so that is what is
    /// calibrated. Nil in bundles from before issue 16: T = 1, scores exactly as before.
    public var temperature: Double?
    /// The cascade's cheap stage in front of the main model (issue 20), when `camsift train --cascade` fitted one.
    public var cascade: CascadeSpec?
    /// The companion member on pretrained features (`CompanionSpec`), when `camsift train` trained one; the
    /// fusion rule's `companionWeight` says how much of M1's evidence it carries.
    public var companion: CompanionSpec?

    public init(format: String = ServedBundle.formatName, version: Int = ServedBundle.formatVersion, classes: [String],
                models: [String: String], primary: String, fusion: Fusion?, alternatives: [String: Fusion]? = nil,
                architecture: String, inputShape: [Int], normalization: Normalization, inputGeometry: InputGeometry?,
                temperature: Double? = nil, cascade: CascadeSpec? = nil, companion: CompanionSpec? = nil) {
        self.format = format
        self.version = version
        self.classes = classes
        self.models = models
        self.primary = primary
        self.fusion = fusion
        self.alternatives = alternatives
        self.architecture = architecture
        self.inputShape = inputShape
        self.normalization = normalization
        self.inputGeometry = inputGeometry
        self.temperature = temperature
        self.cascade = cascade
        self.companion = companion
    }

    /// Reads and checks `dir/bundle.json`: format, version, and that every model file it names exists.
    public static func read(_ dir: String) throws(ServingError) -> ServedBundle {
        let path = dir + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServingError(.badBundle, "no '\(path)': a bundle is a directory written by `camsift train --out`")
        }
        let b: ServedBundle
        do { b = try JSONDecoder().decode(ServedBundle.self, from: data) } catch {
            throw ServingError(.badBundle, "'\(path)' is not a valid bundle (\(error)); retrain or restore it")
        }
        guard b.format == formatName, b.version == formatVersion else {
            throw ServingError(.badBundle, "'\(path)': unknown bundle format \(b.format) v\(b.version); this camsift reads "
                               + "\(formatName) v\(formatVersion)")
        }
        for (role, file) in b.models where !FileManager.default.fileExists(atPath: dir + "/" + file) {
            throw ServingError(.badBundle, "'\(path)' names \(role) = '\(file)', which is missing; the bundle is incomplete")
        }
        if let g = b.inputGeometry, let problem = g.problem {
            throw ServingError(.badBundle, "'\(path)': inputGeometry: \(problem); retrain the bundle")
        }
        if let c = b.cascade, !FileManager.default.fileExists(atPath: dir + "/" + c.model) {
            throw ServingError(.badBundle, "'\(path)' names the cascade model '\(c.model)', which is missing; retrain with "
                               + "`camsift train --cascade` or remove the \"cascade\" entry")
        }
        if let c = b.companion {
            guard FileManager.default.fileExists(atPath: dir + "/" + c.model) else {
                throw ServingError(.badBundle, "'\(path)' names the companion model '\(c.model)', which is missing; retrain the "
                                   + "bundle (or `camsift train --companion none`)")
            }
            if let problem = c.geometry.problem {
                throw ServingError(.badBundle, "'\(path)': companion.geometry: \(problem); retrain the bundle")
            }
        } else if b.fusion?.needsCompanion == true && b.primary == "fused" {
            throw ServingError(.badBundle, "'\(path)': the fusion rule weighs a companion member (companionWeight) but the "
                               + "bundle has no \"companion\" entry; retrain the bundle")
        }
        if let t = b.temperature, !(t.isFinite && t > 0) {
            throw ServingError(.badBundle, "'\(path)': temperature \(t) must be a finite number > 0; retrain the bundle")
        }
        return b
    }

    /// The geometry this bundle is served with: the recorded one, else (bundles from before issue 15) the
    /// framing the daemon used for them — centre crop of the whole frame at the networks' input size, with the
    /// bundle's normalisation, or the backbone's (`backbone`: mean and std of a transfer bundle's model file).
    public func geometry(backbone: (mean: [Float], std: [Float])? = nil) -> InputGeometry {
        if let g = inputGeometry { return g }
        let channels = inputShape.first ?? 3, size = inputShape.count == 3 ? inputShape[1] : 224
        if let backbone { return InputGeometry(size: size, channels: 3, mean: backbone.mean, std: backbone.std) }
        return InputGeometry(size: size, channels: channels, mean: normalization.mean, std: normalization.std)
    }

    /// The models a classifier runs per frame: M0 and M1 for a two-model rule (the default `adjusted` pool
    /// included), only M1 for the `adjusted` rule with w = 0 (M0 stays in the bundle as M1's origin and for the
    /// report's alternatives), the primary model for a single-model bundle.
    public var servedRoles: [String] {
        if primary == "fused", let f = fusion, models["M1"] != nil {
            if !f.needsM0 { return ["M1"] }
            if models["M0"] != nil { return ["M0", "M1"] }
        }
        if models[primary] != nil { return [primary] }
        return models.keys.sorted()
    }
}
