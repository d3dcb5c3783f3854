import CamsiftCore
import Foundation
import Serving

/// A trained model bundle as `camsift train` writes it: a directory holding `bundle.json` (this struct) and the
/// model files it names. Serving reads the same file as `ServedBundle` (its fields, nothing of the training
/// record), so the daemon's frame path never loads this type.
/// Model files carry a content hash in their names (`M0-1a2b3c4d.csm`) and `bundle.json` is replaced last,
/// atomically, so a reader (the pipeline's hot-swap) sees either the old or the new bundle, complete.
///
/// With M1 and `fusion` present the bundle predicts by Eq. 3 (`primary == "fused"`); a baseline bundle has
/// M0 only.
public struct ModelBundle: Sendable, Codable, Equatable {
    public static let fileName = ServedBundle.fileName
    public static let formatVersion = ServedBundle.formatVersion

    public var format = ServedBundle.formatName
    public var version = ModelBundle.formatVersion
    public var classes: [String]
    /// Model role ("M0", "M1") → file name inside the bundle directory.
    public var models: [String: String]
    /// "fused", "M0" or "M1": which prediction `camsift eval` and the pipeline use.
    public var primary: String
    public var fusion: Fusion?
    /// Other fusion rules/threshold objectives chosen on the same reference set ("fused:eq3/mixed", ...),
    /// kept so `camsift eval` measures each against the primary one.
    public var alternatives: [String: Fusion]?
    public var architecture: String
    /// [channels, height, width].
    public var inputShape: [Int]
    public var normalization: Normalization
    /// How images become the models' input (size, channels, fit, crop fraction, normalisation); nil in bundles
    /// from before issue 15 (`ServedBundle.geometry`).
    public var inputGeometry: InputGeometry?
    /// Temperature of the primary prediction, fitted on the reference split (`TemperatureScaling`; serving
    /// scales the logged scores with it, `ServedBundle.temperature`); nil in bundles from before issue 16 (T = 1).
    public var temperature: Double?
    /// The cascade's cheap stage (issue 20, `camsift train --cascade`); nil without one.
    public var cascade: CascadeSpec?
    /// The companion member on pretrained features (`CompanionSpec`); nil without one.
    public var companion: CompanionSpec?
    /// Class counts of the training split and of the whole archive; P/N ratios from the training split.
    public var trainCounts: [Int]
    public var archiveCounts: [Int]
    public var ratios: [Double]
    public var sampler: SamplerKind
    public var configuration: TrainingConfiguration
    /// Test-split metrics per model ("M0", "M1", "fused").
    public var testMetrics: [String: ClassificationMetrics]
    /// Where it came from: archive path, image count, seed, command line, creation time, host.
    public var provenance: [String: String]

    public init(classes: [String], models: [String: String], primary: String, fusion: Fusion?,
                alternatives: [String: Fusion]? = nil, architecture: String,
                inputShape: [Int], normalization: Normalization, trainCounts: [Int], archiveCounts: [Int],
                ratios: [Double], sampler: SamplerKind, configuration: TrainingConfiguration,
                testMetrics: [String: ClassificationMetrics], provenance: [String: String]) {
        self.classes = classes
        self.models = models
        self.primary = primary
        self.fusion = fusion
        self.alternatives = alternatives
        self.architecture = architecture
        self.inputShape = inputShape
        self.normalization = normalization
        self.trainCounts = trainCounts
        self.archiveCounts = archiveCounts
        self.ratios = ratios
        self.sampler = sampler
        self.configuration = configuration
        self.testMetrics = testMetrics
        self.provenance = provenance
    }

    public static func read(_ dir: String) throws -> ModelBundle {
        do { _ = try ServedBundle.read(dir) } catch {
            throw LearningError(.badBundle, error.message + (dir.isEmpty ? "" : "; --model must be a directory written by `camsift train --out`"))
        }
        let path = dir + "/" + fileName
        do {
            return try JSONDecoder().decode(ModelBundle.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw LearningError(.badBundle, "'\(path)' is a bundle but not one `camsift train` wrote (\(error)); retrain it")
        }
    }

    /// The fields serving reads (`ServedBundle`): its geometry, roles, fusion rule and temperature.
    public var served: ServedBundle {
        ServedBundle(format: format, version: version, classes: classes, models: models, primary: primary, fusion: fusion,
                     alternatives: alternatives, architecture: architecture, inputShape: inputShape,
                     normalization: normalization, inputGeometry: inputGeometry, temperature: temperature,
                     cascade: cascade, companion: companion)
    }

    /// Writes `bundle.json` atomically into `dir`, then removes model files that neither this nor the
    /// previous bundle.json references (the previous generation stays loadable for readers mid-swap).
    public func write(to dir: String) throws {
        let path = dir + "/" + Self.fileName
        let files = { (b: ModelBundle) in Set(b.models.values).union(b.companion.map { [$0.model] } ?? []) }
        let previous = (try? Self.read(dir)).map(files) ?? []
        let data: [UInt8]
        do { data = try JSONWriter.encode(self, pretty: true) } catch { throw LearningError(.io, "cannot encode bundle: \(error)") }
        try AtomicFile.write(data, to: path)
        let keep = previous.union(files(self))
        if let files = try? FileManager.default.contentsOfDirectory(atPath: dir) {
            for f in files where f.hasSuffix(".csm") && (f.hasPrefix("M0-") || f.hasPrefix("M1-") || f.hasPrefix(CompanionSpec.role + "-")) && !keep.contains(f) {
                try? FileManager.default.removeItem(atPath: dir + "/" + f)
            }
        }
    }
}
