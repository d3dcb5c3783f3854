import CamsiftCore
import Foundation
import Media
import NN

/// Serves a trained bundle (`camsift train`): M0 and M1 fused by the bundle's rule (Eq. 3 and variants, the
/// `adjusted` pool), M1 alone for the `adjusted` rule with M0's weight 0, otherwise the primary model
/// (`ServedBundle.servedRoles`).
///
/// Frames arrive decoded at the bundle's `geometry` (ingest decodes straight to it); `ModelInput` turns them
/// into the tensor training built from the same JPEGs. EfficientNet-Lite0 bundles whose models share the whole
/// backbone (level-1 transfer) compute the 1280-d features once per frame and run one dense head per model;
/// level-2 bundles (top blocks fine-tuned per model) run the identical trunk once and each model's top blocks
/// (`SharedTrunkEfficientNet`, both cases: measured ≤ 1.2× one model's cost, `make bench-engine`). `camsift eval` scores with this same class (`scores`), so its accuracy is what
/// the daemon logs for the same images. Thread-confined to the inference thread.
///
/// A bundle with a companion member (`CompanionSpec`: pretrained features beside a from-scratch pair) runs it
/// on a second input per frame at `companionGeometry`; callers pass those frames (the daemon decodes the JPEG
/// again, eval reads the archive image again), else they are refitted from the main frames.
public final class BundleClassifier: FeatureSource, @unchecked Sendable {
    public let version: String
    public let geometry: InputGeometry
    public let bundle: ServedBundle
    private let top: Int
    private let scoring: Scoring

    private enum Scoring {
        case networks([String: any ScoringNetwork])
        /// EfficientNet-Lite0 roles in one network: the layers every role shares (level 1: the whole backbone;
        /// level 2: stem and the blocks below the fine-tuned ones) run once per frame, each role's own top after.
        case sharedTrunk(SharedTrunkEfficientNet, roles: [String])
        /// A `lowlevel-cnn` detector (`camsift train --arch lowlevel`): features of the decoded frame, no tensor.
        case lowLevel(LowLevelClassifier, role: String)
    }

    /// The cascade's cheap stage (issue 20) when the bundle carries one (`ServedBundle.cascade`).
    public let cheapStage: CheapStage?
    /// The companion member's network (whole EfficientNet-Lite0, its head trained) and input, when served.
    private let companionNet: SharedTrunkEfficientNet?
    public let companionGeometry: InputGeometry?
    /// Length of the companion member's pooled feature vector (`companionFeatures`); 0 without one.
    public var companionFeatureCount: Int { companionNet?.featureCount ?? 0 }

    /// The models this classifier runs per frame (see `ServedBundle.servedRoles`; every role for `eval`).
    public let servedRoles: [String]
    /// `BackboneDigest` of the first served EfficientNet model (whose features `classify(_:features:)` returns);
    /// empty for other architectures, which give no features. Computed when first asked (a daemon with a window
    /// model), from the model file read again: hashing the backbone costs ~0.2 s nobody else should pay.
    public private(set) lazy var backboneDigest: String = backbonePath.flatMap { try? ModelFile.read(path: $0) }
        .map(BackboneDigest.of) ?? ""
    private let backbonePath: String?
    public var featureCount: Int {
        if case .sharedTrunk(let net, _) = scoring { return net.featureCount }
        return 0
    }

    /// - Parameter allRoles: run every model of the bundle (for `camsift eval`, which scores M0, M1 and every
    ///   fusion alternative), not only those the primary prediction needs.
    public init(directory: String, threads: Int, top: Int = 5, allRoles: Bool = false) throws(ServingError) {
        let b = try ServedBundle.read(directory)
        bundle = b
        self.top = top
        let all = b.models.keys.sorted()
        guard !all.isEmpty else { throw ServingError(.badBundle, "bundle \(directory) lists no models") }
        let hashed = all.map { directory + "/" + b.models[$0]! } + (b.cascade.map { [directory + "/" + $0.model] } ?? [])
            + (b.companion.map { [directory + "/" + $0.model] } ?? [])
        let digest = SHA256.hex(SHA256.hash(hashed.flatMap { Array(ModelVersion.of(modelFile: $0).utf8) }))
        version = "bundle-" + digest.prefix(12)
        let roles = allRoles ? all : b.servedRoles
        servedRoles = roles
        var files: [String: ModelFile] = [:]
        for r in roles {
            let path = directory + "/" + b.models[r]!
            do { files[r] = try ModelFile.read(path: path) } catch {
                throw ServingError(.badModel, "cannot read model \(r) of bundle \(directory)", cause: error)
            }
        }
        if b.architecture == LowLevelClassifier.architectureName {
            let role = roles[0]
            scoring = .lowLevel(try LowLevelClassifier(path: directory + "/" + b.models[role]!), role: role)
            geometry = b.geometry()
            backbonePath = nil
        } else if b.architecture.hasPrefix("effnet") {
            let main = files[b.primary] != nil ? b.primary : roles[0]
            let mainFile = files[main]!
            geometry = b.geometry(backbone: (mainFile.normalization.mean, mainFile.normalization.std))
            let ordered = [main] + roles.filter { $0 != main }
            backbonePath = directory + "/" + b.models[main]!
            do {
                scoring = .sharedTrunk(try SharedTrunkEfficientNet(modelFiles: ordered.map { files[$0]! }, threads: threads),
                                       roles: ordered)
            } catch {
                throw ServingError(.badModel, "cannot serve the EfficientNet models of bundle \(directory) together "
                                   + "(they must come from one backbone)", cause: error)
            }
        } else {
            var nets: [String: any ScoringNetwork] = [:]
            for r in roles { nets[r] = try SequentialScorer(modelFile: files[r]!, path: directory + "/" + b.models[r]!) }
            geometry = b.geometry()
            scoring = .networks(nets)
            backbonePath = nil
        }
        if let problem = geometry.problem {
            throw ServingError(.badBundle, "bundle \(directory): input geometry \(problem); retrain the bundle")
        }
        if let c = b.companion, allRoles || (b.primary == "fused" && b.fusion?.needsCompanion == true) {
            let path = directory + "/" + c.model
            let net: SharedTrunkEfficientNet
            do {
                net = try SharedTrunkEfficientNet(modelFiles: [try ModelFile.read(path: path)], threads: threads)
            } catch {
                throw ServingError(.badModel, "cannot read the companion model '\(c.model)' of bundle \(directory)", cause: error)
            }
            guard net.classCounts == [b.classes.count] else {
                throw ServingError(.badBundle, "bundle \(directory): the companion model has \(net.classCounts) classes, "
                                   + "the bundle \(b.classes.count); retrain the bundle")
            }
            companionNet = net
            companionGeometry = c.geometry
        } else {
            companionNet = nil
            companionGeometry = nil
        }
        cheapStage = try b.cascade.map { spec throws(ServingError) in
            try CheapStage(bundleDirectory: directory, spec: spec, classes: b.classes)
        }
    }

    public func classify(_ frames: [DecodedFrame]) throws -> [Prediction] {
        try classify(frames, companion: nil)
    }

    public func classify(_ frames: [DecodedFrame], companion: [DecodedFrame]?) throws -> [Prediction] {
        guard !frames.isEmpty else { return [] }
        let scores = try self.scores(frames, companion: companion)
        return (0..<frames.count).map { predict(scores, at: $0) }
    }

    /// `classify(_:)` plus the first served model's pooled features, copied from the same pass (`features` is
    /// emptied for architectures that have none).
    public func classify(_ frames: [DecodedFrame], features: inout [Float]) throws -> [Prediction] {
        try classify(frames, companion: nil, features: &features)
    }

    public func classify(_ frames: [DecodedFrame], companion: [DecodedFrame]?, features: inout [Float]) throws -> [Prediction] {
        let predictions = try classify(frames, companion: companion)
        if case .sharedTrunk(let net, _) = scoring, !frames.isEmpty {
            features = Array(net.firstModelFeatures(n: frames.count))
        } else {
            features = []
        }
        return predictions
    }

    /// The bundle's primary prediction for frame `i` from every served model's probabilities
    /// (`ServedBundle.primaryPrediction`), scored at the bundle's temperature (`temperature`, Guo et al. 2017
    /// §4.2). The label and the order of `top` come from the unscaled probabilities — scaling preserves the
    /// ranking, and taking it from there means rounding in the scaled values cannot reorder near-ties.
    func predict(_ scores: [String: [[Float]]], at i: Int) -> Prediction {
        let classes = bundle.classes
        let p = bundle.primaryPrediction(scores.mapValues { $0[i] })
        let scaled = bundle.calibrated(p.probabilities)
        let ranked = TopK.indices(p.probabilities, k: top)
        var roles: [String: String] = [:]
        if scores.count > 1 {
            for (role, s) in scores {
                let row = s[i]
                var best = 0
                for c in row.indices where row[c] > row[best] { best = c }
                roles[role] = classes[best]
            }
        }
        return Prediction(label: classes[p.label], score: Double(scaled[p.label]), via: p.via,
                          top: ranked.map { .init(label: classes[$0], score: (Double(scaled[$0]) * 10000).rounded() / 10000) },
                          roles: roles)
    }

    /// Whether all roles run on one shared backbone (features computed once per frame, a dense head per role).
    public var sharesBackbone: Bool {
        if case .sharedTrunk(let net, _) = scoring { return net.headShared }
        return false
    }

    /// EfficientNet blocks computed once per frame for every role (nil for other architectures).
    public var sharedTrunkBlocks: Int? {
        if case .sharedTrunk(let net, _) = scoring { return net.trunkBlocks }
        return nil
    }

    /// Class probabilities of every served model for frames at `geometry`: role → one row per frame; with a
    /// companion member also its row under `CompanionSpec.role`, from `companion` (the same images at
    /// `companionGeometry`; nil: refitted from `frames`, which loses detail when they are smaller).
    public func scores(_ frames: [DecodedFrame], companion: [DecodedFrame]? = nil) throws -> [String: [[Float]]] {
        let n = frames.count
        if case .lowLevel(let net, let role) = scoring { return [role: try net.probabilities(frames)] }
        var out = try modelScores(frames)
        if let net = companionNet {
            let batch = try companionBatch(frames, companion: companion)
            out[CompanionSpec.role] = Self.companionRows(batch.withUnsafeBufferPointer { net.logits(batch: $0, n: n) }[0],
                                                         n: n, k: net.classCounts[0])
        }
        return out
    }

    /// The companion member's pooled features (`n × 1280`, row-major) of `companion` (one per frame, at
    /// `companionGeometry`; refitted when not): what `scores(_:companionFeatures:)` takes. The companion's backbone
    /// is frozen, so a caller that scores the same images again (`camsift eval --feature-cache` on seeds 2 and 3 of
    /// the long-tail bench) keeps these instead of paying the backbone pass twice. Empty without a companion.
    public func companionFeatures(_ companion: [DecodedFrame]) throws -> [Float] {
        guard let net = companionNet, !companion.isEmpty else { return [] }
        let n = companion.count
        let batch = try companionBatch(companion, companion: companion)
        var out = [Float](repeating: 0, count: n * net.featureCount)
        batch.withUnsafeBufferPointer { b in out.withUnsafeMutableBufferPointer { net.features(batch: b, n: n, into: $0) } }
        return out
    }

    /// `scores(_:companion:)` with the companion's row from its pooled features (`companionFeatures`, kept
    /// earlier) instead of its frames: the same numbers without the backbone pass.
    public func scores(_ frames: [DecodedFrame], companionFeatures: [Float]) throws -> [String: [[Float]]] {
        let n = frames.count
        if case .lowLevel(let net, let role) = scoring { return [role: try net.probabilities(frames)] }
        var out = try modelScores(frames)
        if let net = companionNet {
            guard companionFeatures.count == n * net.featureCount else {
                throw ServingError(.badInput, "\(companionFeatures.count) companion features for \(n) frames; "
                                   + "pass \(net.featureCount) per frame")
            }
            let logits = companionFeatures.withUnsafeBufferPointer { net.logits(features: $0, n: n) }
            out[CompanionSpec.role] = Self.companionRows(logits[0], n: n, k: net.classCounts[0])
        }
        return out
    }

    private func companionBatch(_ frames: [DecodedFrame], companion: [DecodedFrame]?) throws -> [Float] {
        guard let g = companionGeometry else { return [] }
        guard companion == nil || companion!.count == frames.count else {
            throw ServingError(.badInput, "\(companion!.count) companion frames for \(frames.count) frames; pass one per frame")
        }
        return try ModelInput.tensor((companion ?? frames).map { $0.refitted(to: g) }, geometry: g)
    }

    private static func companionRows(_ logits: [Float], n: Int, k: Int) -> [[Float]] {
        rows(EfficientNetScorer.softmaxRows(logits, n: n, k: k), n: n, k: k)
    }

    /// M0/M1 (or the bundle's single model) on `frames` at `geometry`.
    private func modelScores(_ frames: [DecodedFrame]) throws -> [String: [[Float]]] {
        let n = frames.count
        var out: [String: [[Float]]] = [:]
        let batch = try ModelInput.tensor(frames, geometry: geometry)
        switch scoring {
        case .networks(let nets):
            for (role, net) in nets {
                let p = try batch.withUnsafeBufferPointer { try net.probabilities($0, n: n) }
                out[role] = Self.rows(p, n: n, k: net.classCount)
            }
        case .sharedTrunk(let net, let roles):
            let logits = batch.withUnsafeBufferPointer { net.logits(batch: $0, n: n) }
            for (k, role) in roles.enumerated() {
                let c = net.classCounts[k]
                out[role] = Self.rows(EfficientNetScorer.softmaxRows(logits[k], n: n, k: c), n: n, k: c)
            }
        case .lowLevel:
            break
        }
        return out
    }

    private static func rows(_ flat: [Float], n: Int, k: Int) -> [[Float]] {
        (0..<n).map { Array(flat[$0 * k..<($0 + 1) * k]) }
    }
}
