import CamsiftCore
import Foundation
import NN
import Serving

/// `camsift eval`: a bundle's models (M0, M1, the companion E, fused — whichever it has) on a labeled archive, in the plain
/// view and, with `weightBy`, the deployed view where each image counts its class's share in that archive
/// over its share in the evaluated set.
///
/// Scored exactly as the daemon serves: each image is framed at the bundle's geometry by the live path's
/// decoder (`ArchiveImage`) and run through Serving's `BundleClassifier`, so eval's accuracy is what the
/// daemon logs when the same images arrive from a camera.
public struct EvaluationSession: Sendable {
    public struct Options: Sendable {
        public var archive: String
        public var model: String
        public var weightBy: String?
        /// Evaluate only this part of the archive's seeded split (nil = every image), cut with the shares the
        /// bundle was trained with (`--split`, recorded in its provenance).
        public var split: String?
        public var seed: UInt64 = 1
        public var splitBy: DatasetSplit.Grouping = .image
        /// Also write every model's class probabilities and the labels to this JSON file (offline analysis of
        /// fusion rules without retraining).
        public var dumpScores: String?
        /// Keep the companion member's pooled features here (`--feature-cache`, the directory `camsift train`
        /// keeps them in): its backbone is frozen, so scoring the same images again — the next seed, the next
        /// bundle trained on the same backbone — reads them instead of running it. nil = none.
        public var featureCache: String?

        public init(archive: String, model: String) {
            self.archive = archive
            self.model = model
        }
    }

    public struct Result: Sendable, Codable {
        public init(classes: [String], images: Int, plain: [String: ClassificationMetrics],
                    deployed: [String: ClassificationMetrics]?, order: [String], primary: String,
                    calibration: CalibrationReport? = nil) {
            self.classes = classes; self.images = images; self.plain = plain; self.deployed = deployed
            self.order = order; self.primary = primary; self.calibration = calibration
        }

        public var classes: [String]
        public var images: Int
        /// model name → metrics, in `plain` and (with --weight-by) `deployed`.
        public var plain: [String: ClassificationMetrics]
        public var deployed: [String: ClassificationMetrics]?
        public var order: [String]
        public var primary: String
        /// ECE (15 bins) of the primary prediction on the evaluated images, at T = 1 and at the bundle's
        /// temperature (what the daemon logs), plain and, with `weightBy`, deployed.
        public var calibration: CalibrationReport?
    }

    public var options: Options

    /// Scores through Serving's `BundleClassifier` (what the daemon runs), so it needs no network factory.
    public init(options: Options) {
        self.options = options
    }

    public func run() throws -> Result {
        let o = options
        let bundle = try ModelBundle.read(o.model)
        let archive = try LabeledArchive.scan(o.archive)
        // Map the archive's classes onto the bundle's by name; unknown classes are an error.
        let map = try archive.classes.map { name -> Int in
            guard let j = bundle.classes.firstIndex(of: name) else {
                throw LearningError(.badArchive, "archive class '\(name)' is not one of the model's classes "
                    + "\(bundle.classes); evaluate on an archive with the training labels")
            }
            return j
        }
        var indices = Array(archive.items.indices)
        if let part = o.split {
            let shares = try bundle.provenance["split"].map(SplitShares.init(parsing:)) ?? .default
            if part == "test" && shares.test == 0 {
                throw LearningError(.badArgument, "the bundle was trained with --split \(shares): it has no test split; "
                    + "evaluate every image of an external test archive (drop --split)")
            }
            let s = try DatasetSplit.make(labels: archive.items.map(\.label), groups: archive.items.map(\.camera),
                                          by: o.splitBy, classCount: archive.classes.count, seed: o.seed, shares: shares)
            switch part {
            case "train": indices = s.train
            case "reference": indices = s.reference
            case "test": indices = s.test
            default: throw LearningError(.badArgument, "--split must be train, reference or test, got '\(part)'")
            }
        }
        let classifier: BundleClassifier
        do {
            classifier = try BundleClassifier(directory: o.model, threads: max(1, LearningThreads.count > 0 ? LearningThreads.count : 2),
                                              allRoles: true)
        } catch {
            throw LearningError(.badBundle, "\(error)")
        }
        let store = try companionStore(bundle, classifier: classifier)
        let reader = try ArchiveImage()
        var labels: [Int] = []
        var scores: [String: [[Float]]] = [:]
        let batch = 32
        var start = 0
        while start < indices.count {
            let part = indices[start..<min(indices.count, start + batch)]
            let paths = part.map { archive.items[$0].path }
            let bytes = try paths.map { try ArchiveImage.bytes(path: $0) }
            // Each file read once, decoded at the bundle's geometry and, for a companion member, at its own.
            let frames = try zip(bytes, paths).map { try reader.frame(bytes: $0, path: $1, geometry: classifier.geometry) }
            let rows: [String: [[Float]]]
            if let store, let g = classifier.companionGeometry {
                // E's clean features from the store training keeps; the images it lacks through the backbone.
                let features = try FeatureStore.values(store, keys: bytes.map { SHA256.hash($0) },
                                                       floatsPerImage: store.floatsPerImage) { missing in
                    try classifier.companionFeatures(missing.map { try reader.frame(bytes: bytes[$0], path: paths[$0], geometry: g) })
                }
                rows = try classifier.scores(frames, companionFeatures: features)
            } else {
                let companion = try classifier.companionGeometry.map { g in
                    try zip(bytes, paths).map { try reader.frame(bytes: $0, path: $1, geometry: g) }
                }
                rows = try classifier.scores(frames, companion: companion)
            }
            for (role, r) in rows { scores[role, default: []] += r }
            labels += part.map { map[archive.items[$0].label] }
            start += batch
        }
        let set = (labels: labels, count: labels.count)
        if let path = o.dumpScores {
            struct Dump: Encodable { var classes: [String]; var labels: [Int]; var trainCounts: [Int]; var scores: [String: [[Float]]] }
            let d = try JSONWriter.encode(Dump(classes: bundle.classes, labels: set.labels, trainCounts: bundle.trainCounts, scores: scores))
            try AtomicFile.write(d, to: path)
        }
        var preds: [String: [Int]] = scores.mapValues { $0.map(Fusion.argmax) }
        var order = bundle.models.keys.sorted() + (scores[CompanionSpec.role] == nil ? [] : [CompanionSpec.role])
        if let f = bundle.fusion, let s0 = scores["M0"], let s1 = scores["M1"] {
            preds["fused"] = f.fuse(scores0: s0, scores1: s1, scoresE: scores[CompanionSpec.role])
            order.append("fused")
            for (name, alt) in (bundle.alternatives ?? [:]).sorted(by: { $0.key < $1.key }) {
                preds[name] = alt.fuse(scores0: s0, scores1: s1, scoresE: scores[CompanionSpec.role])
                order.append(name)
            }
        }
        let (plain, deployed, deploymentWeights) = try Self.score(preds, truth: set.labels, classes: bundle.classes,
                                                                  weightBy: o.weightBy)
        // The scores the daemon would log for these images: the primary rule's probabilities at the bundle's T.
        var calibration = CalibrationReport(temperature: bundle.temperature ?? 1)
        let primary = CalibrationReport.primaryPredictions(bundle.served, scores: scores)
        calibration.measure("evaluated", predictions: primary, labels: set.labels)
        if let w = deploymentWeights { calibration.measure("evaluated (deployed)", predictions: primary, labels: set.labels, weights: w) }
        return Result(classes: bundle.classes, images: set.count, plain: plain, deployed: deployed, order: order,
                      primary: bundle.primary, calibration: calibration)
    }

    /// The store of the companion's clean features (`Options.featureCache`), named like training's, or nil.
    private func companionStore(_ bundle: ModelBundle, classifier: BundleClassifier) throws -> FeatureStore? {
        guard let root = options.featureCache, let c = bundle.served.companion, let g = classifier.companionGeometry else { return nil }
        let file: ModelFile
        do { file = try ModelFile.read(path: options.model + "/" + c.model) } catch {
            throw LearningError(.badBundle, "cannot read the companion model '\(c.model)': \(error)")
        }
        return try FeatureStore(root: root, digest: BackboneDigest.of(file), namespace: FeatureStore.clean(geometry: g),
                                floatsPerImage: classifier.companionFeatureCount)
    }

    /// Plain metrics of each model's predictions and, with `weightBy`, the deployed view (each image weighted by
    /// its class's share in that archive over its share in `truth`). Public so that predictions made elsewhere
    /// (the long-tail bench's PyTorch peer) are scored by this same code and give comparable numbers.
    public static func score(_ preds: [String: [Int]], truth: [Int], classes: [String],
                             weightBy: String?) throws
        -> (plain: [String: ClassificationMetrics], deployed: [String: ClassificationMetrics]?, weights: [Double]?) {
        let k = classes.count
        let plain = preds.mapValues { ClassificationMetrics(truth: truth, predicted: $0, classCount: k) }
        guard let w = weightBy else { return (plain, nil, nil) }
        let ref = try LabeledArchive.scan(w)
        var shares = [Double](repeating: 0, count: k)
        let refShares = ClassStatistics(counts: ref.classCounts).shares
        for (c, name) in ref.classes.enumerated() {
            guard let j = classes.firstIndex(of: name) else {
                throw LearningError(.badArchive, "--weight-by archive class '\(name)' is not one of the model's classes")
            }
            shares[j] = refShares[c]
        }
        let weights = ConfusionMatrix.deploymentWeights(truth: truth, targetShares: shares)
        return (plain, preds.mapValues { ClassificationMetrics(truth: truth, predicted: $0, classCount: k, weights: weights) }, weights)
    }
}
