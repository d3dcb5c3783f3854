import CamsiftCore
import NN

/// The ImageNet EfficientNet-Lite0 imported at set-up, served before any training (so a fresh install logs
/// real labels at once) and by `camsift classify`: top-5 per frame, `via: "single"`.
///
/// Its geometry is the model's reference evaluation framing — the centre `cropFraction` 0.875 of the frame
/// (224 of 256, Tan & Le 2019), RGB, the model file's normalisation — and the daemon and `classify` both use it
/// (they used to crop differently). Thread-confined to the inference thread (the network keeps its preallocated
/// workspace), hence `@unchecked Sendable`: it is only *moved* across threads by a hot swap.
public final class ImageNetClassifier: FrameClassifier, @unchecked Sendable {
    public static let referenceCropFraction = 0.875
    public let version: String
    public let geometry: InputGeometry
    public let network: EfficientNetLite0
    private let top: Int

    public init(network: EfficientNetLite0, version: String, fit: FitMode = .crop,
                cropFraction: Double = ImageNetClassifier.referenceCropFraction, top: Int = 5) {
        self.network = network
        self.version = version
        self.top = top
        geometry = InputGeometry(size: network.inputSize, channels: 3, fit: fit, cropFraction: cropFraction,
                                 mean: network.normalization.mean, std: network.normalization.std)
    }

    /// Loads an `effnet-lite0` model file.
    public convenience init(path: String, threads: Int, fit: FitMode = .crop, top: Int = 5) throws(ServingError) {
        do {
            let net = try EfficientNetLite0(modelFile: try ModelFile.read(path: path), threads: threads)
            self.init(network: net, version: ModelVersion.of(modelFile: path), fit: fit, top: top)
        } catch {
            throw ServingError(.badModel, "cannot load \(path)", cause: error)
        }
    }

    public func classify(_ frames: [DecodedFrame]) throws -> [Prediction] {
        guard !frames.isEmpty else { return [] }
        let batch = try ModelInput.tensor(frames, geometry: geometry)
        let logits = batch.withUnsafeBufferPointer { network.logits(batch: $0, n: frames.count) }
        return TopK.labels(logits: logits, n: frames.count, classes: network.classes, k: top).map { ranked in
            let best = ranked.first ?? (label: "unknown", score: 0)
            return Prediction(
                label: best.label, score: Double(best.score), via: "single",
                top: ranked.map { .init(label: $0.label, score: (Double($0.score) * 10000).rounded() / 10000) })
        }
    }
}
