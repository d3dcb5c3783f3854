import Foundation

/// A trained model bundle: a directory holding `bundle.json` (this struct) and the model files it names.
/// Model files carry a content hash in their names (`M0-1a2b3c4d.csm`) and `bundle.json` is replaced last,
/// atomically, so a reader (the pipeline's hot-swap) sees either the old or the new bundle, complete.
///
/// With M1 and `fusion` present the bundle predicts by Eq. 3 (`primary == "fused"`); a baseline bundle has
/// M0 only.
public struct ModelBundle: Sendable, Codable, Equatable {
    public static let fileName = "bundle.json"
    public static let formatVersion = 1

    public var format = "camsift-bundle"
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
        let path = dir + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LearningError(.badBundle, "no '\(path)': --model must be a directory written by `camsift train --out`")
        }
        let b: ModelBundle
        do { b = try JSONDecoder().decode(ModelBundle.self, from: data) } catch {
            throw LearningError(.badBundle, "'\(path)' is not a valid bundle (\(error)); retrain or restore it")
        }
        guard b.format == "camsift-bundle", b.version == formatVersion else {
            throw LearningError(.badBundle, "'\(path)': unknown bundle format \(b.format) v\(b.version)")
        }
        for (role, file) in b.models where !FileManager.default.fileExists(atPath: dir + "/" + file) {
            throw LearningError(.badBundle, "'\(path)' names \(role) = '\(file)', which is missing; the bundle is incomplete")
        }
        return b
    }

    /// Writes `bundle.json` atomically into `dir`, then removes model files that neither this nor the
    /// previous bundle.json references (the previous generation stays loadable for readers mid-swap).
    public func write(to dir: String) throws {
        let path = dir + "/" + Self.fileName
        let previous = (try? Self.read(dir)).map { Set($0.models.values) } ?? []
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try enc.encode(self) } catch { throw LearningError(.io, "cannot encode bundle: \(error)") }
        try AtomicFile.write(Array(data), to: path)
        let keep = previous.union(models.values)
        if let files = try? FileManager.default.contentsOfDirectory(atPath: dir) {
            for f in files where f.hasSuffix(".csm") && (f.hasPrefix("M0-") || f.hasPrefix("M1-")) && !keep.contains(f) {
                try? FileManager.default.removeItem(atPath: dir + "/" + f)
            }
        }
    }
}
