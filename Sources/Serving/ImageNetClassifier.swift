import CamsiftCore
import NN

/// The ImageNet EfficientNet-Lite0 imported at set-up, served before any training (so a fresh install logs
/// real labels at once) and by `camsift classify`: top-5 per frame, `via: "single"`.
///
/// Its geometry is the model's reference evaluation framing — the centre `cropFraction` 0.875 of the frame
/// (224 of 256, Tan & Le 2019), RGB, the model file's normalisation — and the daemon and `classify` both use it
/// (they used to crop differently). Thread-confined to the inference thread (the network keeps its preallocated
/// workspace), hence `@unchecked Sendable`: it is only *moved* across threads by a hot swap.
public final class ImageNetClassifier: FeatureSource, @unchecked Sendable {
    public static let referenceCropFraction = 0.875
    public let version: String
    public let geometry: InputGeometry
    public let network: EfficientNetLite0
    private let top: Int
    /// `BackboneDigest` of the model file (empty when built from a network alone: no window model runs then).
    /// Computed when first asked — only a daemon with a window model asks — by reading the file again: hashing
    /// 4.6 M weights costs ~0.2 s, which `camsift classify` and a daemon without windows should not pay.
    public private(set) lazy var backboneDigest: String = backbonePath.flatMap { try? ModelFile.read(path: $0) }
        .map(BackboneDigest.of) ?? ""
    private let backbonePath: String?
    public var featureCount: Int { network.featureCount }

    public init(network: EfficientNetLite0, version: String, fit: FitMode = .crop,
                cropFraction: Double = ImageNetClassifier.referenceCropFraction, top: Int = 5,
                modelPath: String? = nil) {
        self.network = network
        self.version = version
        self.top = top
        backbonePath = modelPath
        geometry = InputGeometry(size: network.inputSize, channels: 3, fit: fit, cropFraction: cropFraction,
                                 mean: network.normalization.mean, std: network.normalization.std)
    }

    /// Loads an `effnet-lite0` model file.
    public convenience init(path: String, threads: Int, fit: FitMode = .crop, top: Int = 5) throws(ServingError) {
        do {
            let net = try EfficientNetLite0(modelFile: try ModelFile.read(path: path), threads: threads)
            self.init(network: net, version: ModelVersion.of(modelFile: path), fit: fit, top: top, modelPath: path)
        } catch {
            throw ServingError(.badModel, "cannot load \(path)", cause: error)
        }
    }

    public func classify(_ frames: [DecodedFrame]) throws -> [Prediction] {
        guard !frames.isEmpty else { return [] }
        let batch = try ModelInput.tensor(frames, geometry: geometry)
        let logits = batch.withUnsafeBufferPointer { network.logits(batch: $0, n: frames.count) }
        return predictions(logits: logits, n: frames.count)
    }

    /// One pass: pooled features, then the dense head on them (what `logits` does inside).
    public func classify(_ frames: [DecodedFrame], features: inout [Float]) throws -> [Prediction] {
        guard !frames.isEmpty else { features = []; return [] }
        let n = frames.count, fc = network.featureCount
        let batch = try ModelInput.tensor(frames, geometry: geometry)
        if features.count != n * fc { features = [Float](repeating: 0, count: n * fc) }
        batch.withUnsafeBufferPointer { b in
            features.withUnsafeMutableBufferPointer { network.features(batch: b, n: n, into: $0) }
        }
        var logits = [Float](repeating: 0, count: n * network.classCount)
        features.withUnsafeBufferPointer { f in
            logits.withUnsafeMutableBufferPointer { network.classify(features: f, n: n, into: $0) }
        }
        return predictions(logits: logits, n: n)
    }

    private func predictions(logits: [Float], n frameCount: Int) -> [Prediction] {
        TopK.labels(logits: logits, n: frameCount, classes: network.classes, k: top).map { ranked in
            let best = ranked.first ?? (label: "unknown", score: 0)
            return Prediction(
                label: best.label, score: Double(best.score), via: "single",
                top: ranked.map { .init(label: $0.label, score: (Double($0.score) * 10000).rounded() / 10000) })
        }
    }
}
