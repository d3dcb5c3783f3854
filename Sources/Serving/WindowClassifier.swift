import CamsiftCore
import Foundation
import NN

/// A served window model (issue 18): the residual-BiLSTM network of Pouyanfar, Chen & Shyu ("Deep
/// Spatio-Temporal Representation Learning for Multi-Class Imbalanced Data Classification") over a camera's
/// last α frame features, split in two for the daemon:
///
/// - `project` runs the network's first layer (`proj`, a per-frame linear map F → P) on each frame as it is
///   classified, so a camera's ring holds P numbers per frame instead of F (1280);
/// - `probabilities` runs the rest (the BiLSTM stack, last step, batch norm, dense, classifier) on whole windows.
///
/// Because `proj` is per frame and linear, projecting frame by frame and stacking equals the network's own
/// forward on the stacked features. A `lstm`-kind model has no projection: its ring stores the F features.
/// `backbone` (model-file metadata, written by `camsift train --clips`) names the CNN whose features it was
/// trained on (`BackboneDigest`). Used from the inference thread only.
public final class WindowClassifier: @unchecked Sendable {
    public let version: String
    public let classes: [String]
    /// Frames per window (α).
    public let length: Int
    /// Features per frame it reads (F) and what a ring stores per frame (P, or F without projection).
    public let featureCount: Int
    public let width: Int
    public let backbone: String
    public let config: WindowNetwork.Config
    private let projection: (any Layer)?
    private let rest: Sequential

    public init(path: String) throws(ServingError) {
        let file: ModelFile
        do { file = try ModelFile.read(path: path) } catch {
            throw ServingError(.badModel, "cannot read window model \(path)", cause: error)
        }
        let network: Sequential
        do {
            config = try WindowNetwork.config(of: file)
            network = try WindowNetwork.make(modelFile: file)
        } catch {
            throw ServingError(.badModel, "window model \(path) does not load; retrain it with `camsift train --clips`",
                               cause: error)
        }
        guard let backbone = file.metadata["backbone"], !backbone.isEmpty else {
            throw ServingError(.badModel, "window model \(path) does not say which backbone's features it was trained "
                               + "on (metadata \"backbone\"); retrain it with `camsift train --clips`")
        }
        self.backbone = backbone
        version = "window-" + ModelVersion.of(modelFile: path)
        classes = file.classes
        length = config.window
        featureCount = config.features
        if let first = network.children.first, first.0 == "proj" {
            projection = first.1
            rest = Sequential(Array(network.children.dropFirst()))
        } else {
            projection = nil
            rest = network
        }
        width = projection == nil ? config.features : config.width
    }

    /// Projects `n` frames' features (`n × featureCount`) to `n × width`.
    public func project(_ features: UnsafeBufferPointer<Float>, n: Int) -> [Float] {
        precondition(features.count == n * featureCount, "\(features.count) features for \(n) frames of \(featureCount)")
        guard let projection, n > 0 else { return Array(features) }
        let x = Tensor(shape: Shape([1, n, featureCount]), values: Array(features))
        // A shape mismatch is impossible here (checked at load); a throw would be a programming error.
        guard let y = try? projection.forward(x, training: false) else { return [Float](repeating: 0, count: n * width) }
        return y.array
    }

    /// Class probabilities of `n` windows (`n × length × width` floats, oldest frame first), one row per window.
    public func probabilities(_ windows: UnsafeBufferPointer<Float>, n: Int) throws -> [[Float]] {
        precondition(windows.count == n * length * width)
        let x = Tensor(shape: Shape([n, length, width]), values: Array(windows))
        let logits = try rest.forward(x, training: false).array
        let k = classes.count
        return logits.withUnsafeBufferPointer { l in
            (0..<n).map { TopK.softmax(UnsafeBufferPointer(rebasing: l[($0 * k)..<(($0 + 1) * k)])) }
        }
    }
}
