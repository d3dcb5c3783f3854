import CamsiftCore
import Foundation
import Learning
import NN

/// Serves a trained bundle (`camsift train`): M0 and M1 fused by the bundle's rule (Eq. 3 and variants, the
/// `adjusted` pool), M1 alone for the `adjusted` rule with M0's weight 0, otherwise the primary model
/// (`servedRoles`).
///
/// Frames arrive decoded at `inputSize` (ingest decodes straight to it). From-scratch bundles (small CNN,
/// linear) take the frame as the model was trained: same channels (BT.601 grey for 1-channel models, as
/// TurboJPEG's TJPF_GRAY in training), 0–255 values, then the bundle's normalization. EfficientNet-Lite0
/// bundles share one frozen backbone (level-1 transfer), so the 1280-d features are computed once per frame
/// and both heads read them. Thread-confined to the inference thread.
public final class BundleClassifier: FrameClassifier, @unchecked Sendable {
    public let version: String
    public let inputSize: Int
    public let bundle: ModelBundle
    private let channels: Int
    private let top: Int
    private let scoring: Scoring

    private enum Scoring {
        case pixels([String: any ClassifierNetwork])
        /// One backbone for all roles (their non-classifier tensors are identical), a dense head per role.
        case features(backbone: EfficientNetLite0, heads: [String: ClassifierHead])
        /// Roles whose backbones differ (e.g. fine-tuned top blocks): each runs its whole network.
        case networks([String: EfficientNetLite0])
    }

    /// The models this classifier runs per frame: M0 and M1 for a two-model rule (the default `adjusted` pool
    /// included), only M1 for the `adjusted` rule with w = 0 (it reads M1's scores alone; M0 stays in the bundle
    /// as M1's origin and for the report's alternatives), the primary model for a single-model bundle. Every
    /// skipped model is a whole network pass (or a head) per frame saved — the pool's cost: a second small CNN,
    /// a second head on a shared level-1 backbone, a second whole EfficientNet when level 2 tuned the top blocks.
    public let servedRoles: [String]

    public init(directory: String, threads: Int, top: Int = 5) throws {
        let b = try ModelBundle.read(directory)
        bundle = b
        self.top = top
        let all = b.models.keys.sorted()
        guard !all.isEmpty else { throw PipelineError.model("bundle \(directory) lists no models") }
        let digest = SHA256.hex(SHA256.hash(all.flatMap { Array(ModelVersion.of(modelFile: directory + "/" + b.models[$0]!).utf8) }))
        version = "bundle-" + digest.prefix(12)
        let roles = Self.servedRoles(b)
        servedRoles = roles
        if b.architecture.hasPrefix("effnet") {
            var files: [String: ModelFile] = [:]
            for r in roles { files[r] = try ModelFile.read(path: directory + "/" + b.models[r]!) }
            let main = b.models[b.primary] != nil ? b.primary : roles[0]
            let backbone = try EfficientNetLite0(modelFile: files[main]!, threads: threads)
            if roles.allSatisfy({ ClassifierHead.sameBackbone(files[main]!, files[$0]!) }) {
                scoring = .features(backbone: backbone, heads: try files.mapValues { try ClassifierHead(modelFile: $0) })
            } else {
                var nets = [main: backbone]
                for r in roles where r != main { nets[r] = try EfficientNetLite0(modelFile: files[r]!, threads: threads) }
                scoring = .networks(nets)
            }
            inputSize = backbone.inputSize
            channels = 3
        } else {
            let factory = NetworkFactory()
            var nets: [String: any ClassifierNetwork] = [:]
            for r in roles {
                nets[r] = try factory.load(directory + "/" + b.models[r]!, options: TrainingSession.Options(archive: "", out: directory))
            }
            scoring = .pixels(nets)
            guard b.inputShape.count == 3, b.inputShape[1] == b.inputShape[2] else {
                throw PipelineError.model("bundle \(directory): input shape \(b.inputShape) is not square C×S×S")
            }
            channels = b.inputShape[0]
            inputSize = b.inputShape[1]
        }
    }

    public func classify(_ frames: [DecodedFrame]) throws -> [Prediction] {
        guard !frames.isEmpty else { return [] }
        let scores = try score(frames)
        let classes = bundle.classes
        return (0..<frames.count).map { i in
            var via = bundle.primary
            var probs = scores[bundle.primary]?[i] ?? scores.values.first![i]
            var label: Int = Fusion.argmax(probs)
            if let f = bundle.fusion, let s1 = scores["M1"]?[i], let s0 = scores["M0"]?[i] ?? (f.needsM0 ? nil : s1) {
                let (fused, branch) = f.fuse(s0, s1)
                label = fused
                via = "fused"
                // Report the probabilities of the model the rule followed (Eq. 3's branches).
                switch branch {
                case .bothCommon: probs = s0
                case .bothRare: probs = s1
                case .higherScore: probs = (s1.max() ?? 0) > (s0.max() ?? 0) ? s1 : s0
                case .mean: probs = zip(s0, s1).map { ($0 + $1) / 2 }
                case .adjusted: probs = f.adjustedProbabilities(s0, s1)
                }
            }
            let ranked = TopK.indices(probs, k: top)
            return Prediction(label: classes[label], score: Double(probs[label]), via: via,
                              top: ranked.map { .init(label: classes[$0], score: (Double(probs[$0]) * 10000).rounded() / 10000) })
        }
    }

    static func servedRoles(_ b: ModelBundle) -> [String] {
        let all = b.models.keys.sorted()
        if b.primary == "fused", let f = b.fusion, b.models["M1"] != nil {
            if !f.needsM0 { return ["M1"] }
            if b.models["M0"] != nil { return ["M0", "M1"] }
        }
        if b.models[b.primary] != nil { return [b.primary] }
        return all
    }

    /// Whether all roles run on one shared backbone (features computed once per frame).
    public var sharesBackbone: Bool {
        if case .features = scoring { return true }
        return false
    }

    private func score(_ frames: [DecodedFrame]) throws -> [String: [[Float]]] {
        switch scoring {
        case .pixels(let nets):
            let per = channels * inputSize * inputSize
            var raw = [Float](repeating: 0, count: frames.count * per)
            for (i, f) in frames.enumerated() { fill(&raw, at: i * per, from: f) }
            let inputs = bundle.normalization.apply(raw, channels: channels, perImage: per)
            var out: [String: [[Float]]] = [:]
            for (role, net) in nets { out[role] = try net.scores(inputs: inputs, count: frames.count) }
            return out
        case .features(let backbone, let heads):
            let batch = Self.preprocess(frames, for: backbone)
            let feats = batch.withUnsafeBufferPointer { backbone.features(batch: $0, n: frames.count) }
            var out: [String: [[Float]]] = [:]
            for (role, head) in heads {
                var logits = [Float](repeating: 0, count: frames.count * head.classCount)
                feats.withUnsafeBufferPointer { fb in
                    logits.withUnsafeMutableBufferPointer { head.classify(features: fb, n: frames.count, into: $0) }
                }
                out[role] = Self.softmaxRows(logits, n: frames.count, k: head.classCount)
            }
            return out
        case .networks(let nets):
            var out: [String: [[Float]]] = [:]
            for (role, net) in nets {
                let batch = Self.preprocess(frames, for: net)
                let logits = batch.withUnsafeBufferPointer { net.logits(batch: $0, n: frames.count) }
                out[role] = Self.softmaxRows(logits, n: frames.count, k: net.classCount)
            }
            return out
        }
    }

    private static func preprocess(_ frames: [DecodedFrame], for net: EfficientNetLite0) -> [Float] {
        let per = net.imageElementCount
        var batch = [Float](repeating: 0, count: frames.count * per)
        batch.withUnsafeMutableBufferPointer { b in
            for (i, f) in frames.enumerated() {
                net.preprocess(f, into: UnsafeMutableBufferPointer(rebasing: b[i * per..<(i + 1) * per]))
            }
        }
        return batch
    }

    private static func softmaxRows(_ logits: [Float], n: Int, k: Int) -> [[Float]] {
        logits.withUnsafeBufferPointer { l in
            (0..<n).map { TopK.softmax(UnsafeBufferPointer(rebasing: l[$0 * k..<($0 + 1) * k])) }
        }
    }

    /// Writes one frame as CHW 0–255 floats at the model's size and channel count.
    private func fill(_ raw: inout [Float], at offset: Int, from frame: DecodedFrame) {
        let f = frame.width == inputSize && frame.height == inputSize
            ? frame : ImageResampler.fit(frame, size: inputSize, mode: .crop, cropFraction: 1)
        let plane = inputSize * inputSize
        f.rgb.withUnsafeBufferPointer { px in
            if channels == 1 {
                for p in 0..<plane {
                    raw[offset + p] = 0.299 * Float(px[p * 3]) + 0.587 * Float(px[p * 3 + 1]) + 0.114 * Float(px[p * 3 + 2])
                }
            } else {
                for c in 0..<3 { for p in 0..<plane { raw[offset + c * plane + p] = Float(px[p * 3 + c]) } }
            }
        }
    }
}
