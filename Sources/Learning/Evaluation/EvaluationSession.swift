import Foundation

/// `camsift eval`: a bundle's models (M0, M1, fused — whichever it has) on a labeled archive, in the plain
/// view and, with `weightBy`, the deployed view where each image counts its class's share in that archive
/// over its share in the evaluated set.
public struct EvaluationSession: Sendable {
    public struct Options: Sendable {
        public var archive: String
        public var model: String
        public var weightBy: String?
        /// Evaluate only this part of the archive's seeded split (nil = every image).
        public var split: String?
        public var seed: UInt64 = 1
        public var splitBy: DatasetSplit.Grouping = .image
        /// Also write every model's class probabilities and the labels to this JSON file (offline analysis of
        /// fusion rules without retraining).
        public var dumpScores: String?

        public init(archive: String, model: String) {
            self.archive = archive
            self.model = model
        }
    }

    public struct Result: Sendable, Codable {
        public init(classes: [String], images: Int, plain: [String: ClassificationMetrics],
                    deployed: [String: ClassificationMetrics]?, order: [String], primary: String) {
            self.classes = classes; self.images = images; self.plain = plain; self.deployed = deployed
            self.order = order; self.primary = primary
        }

        public var classes: [String]
        public var images: Int
        /// model name → metrics, in `plain` and (with --weight-by) `deployed`.
        public var plain: [String: ClassificationMetrics]
        public var deployed: [String: ClassificationMetrics]?
        public var order: [String]
        public var primary: String
    }

    public var options: Options
    public var networks: NetworkFactory

    public init(options: Options, networks: NetworkFactory) {
        self.options = options
        self.networks = networks
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
            let s = try DatasetSplit.make(labels: archive.items.map(\.label), groups: archive.items.map(\.camera),
                                          by: o.splitBy, classCount: archive.classes.count, seed: o.seed)
            switch part {
            case "train": indices = s.train
            case "reference": indices = s.reference
            case "test": indices = s.test
            default: throw LearningError(.badArgument, "--split must be train, reference or test, got '\(part)'")
            }
        }
        let spec = NetworkFactory.InputSpec(channels: bundle.inputShape[0], height: bundle.inputShape[1], width: bundle.inputShape[2])
        var opts = TrainingSession.Options(archive: o.archive, out: o.model)
        opts.architecture = Architecture.from(bundleArchitecture: bundle.architecture)
        let backbone = opts.architecture == .effnetLite0 ? bundle.models["M0"].map { o.model + "/" + $0 } : nil
        var set = try networks.loadSet(archive, indices: indices, spec: spec, architecture: opts.architecture, backbone: backbone)
        set.labels = set.labels.map { map[$0] }
        let k = bundle.classes.count
        let inputs = bundle.normalization.apply(set.pixels, channels: set.channels, perImage: set.perImage)
        var scores: [String: [[Float]]] = [:]
        for role in bundle.models.keys.sorted() {
            let net = try networks.load(o.model + "/" + bundle.models[role]!, options: opts)
            scores[role] = try net.scores(inputs: inputs, count: set.count)
        }
        if let path = o.dumpScores {
            struct Dump: Encodable { var classes: [String]; var labels: [Int]; var trainCounts: [Int]; var scores: [String: [[Float]]] }
            let d = try JSONEncoder().encode(Dump(classes: bundle.classes, labels: set.labels, trainCounts: bundle.trainCounts, scores: scores))
            try AtomicFile.write(Array(d), to: path)
        }
        var preds: [String: [Int]] = scores.mapValues { $0.map(Fusion.argmax) }
        var order = bundle.models.keys.sorted()
        if let f = bundle.fusion, let s0 = scores["M0"], let s1 = scores["M1"] {
            preds["fused"] = f.fuse(scores0: s0, scores1: s1)
            order.append("fused")
            for (name, alt) in (bundle.alternatives ?? [:]).sorted(by: { $0.key < $1.key }) {
                preds[name] = alt.fuse(scores0: s0, scores1: s1)
                order.append(name)
            }
        }
        let plain = preds.mapValues { ClassificationMetrics(truth: set.labels, predicted: $0, classCount: k) }
        var deployed: [String: ClassificationMetrics]?
        if let w = o.weightBy {
            let ref = try LabeledArchive.scan(w)
            var shares = [Double](repeating: 0, count: k)
            let refShares = ClassStatistics(counts: ref.classCounts).shares
            for (c, name) in ref.classes.enumerated() {
                guard let j = bundle.classes.firstIndex(of: name) else {
                    throw LearningError(.badArchive, "--weight-by archive class '\(name)' is not one of the model's classes")
                }
                shares[j] = refShares[c]
            }
            let weights = ConfusionMatrix.deploymentWeights(truth: set.labels, targetShares: shares)
            deployed = preds.mapValues { ClassificationMetrics(truth: set.labels, predicted: $0, classCount: k, weights: weights) }
        }
        return Result(classes: bundle.classes, images: set.count, plain: plain, deployed: deployed, order: order,
                      primary: bundle.primary)
    }
}

extension Architecture {
    /// The architecture a bundle's `architecture` string came from.
    static func from(bundleArchitecture a: String) -> Architecture {
        if a.hasPrefix("effnet") { return .effnetLite0 }
        if a.hasPrefix("linear") { return .linear }
        return .small
    }
}
