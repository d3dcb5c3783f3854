import CamsiftCore

/// The companion member of a bundle (`ServedBundle.companion`): a classifier on pretrained EfficientNet-Lite0
/// features (the frozen ImageNet backbone and a dense head, level-1 transfer) trained beside a from-scratch M0/M1
/// pair on the same archive and split, with M1's class-balanced draws. The `.adjusted` fusion rule pools its
/// balanced-view evidence with M1's (`Fusion.companionWeight`).
///
/// Why a second network in the bundle: the from-scratch pair learns its features from the archive alone, so on a
/// class of a few dozen images both models share the same blind spots; features pretrained on ImageNet err
/// differently. On the long-tail benchmark the pool lifted balanced macro F1 by about a point on every seed of two
/// profiles where nothing else in four sessions had moved it beyond seed noise (docs/learning.md, point 16).
///
/// It has its own input geometry (224² RGB where the small CNN may take 28² grey): the daemon decodes the
/// frame's JPEG a second time at this geometry, `camsift eval` and training read the archive image at it, so the
/// companion sees the same tensor on every path.
public struct CompanionSpec: Sendable, Codable, Equatable {
    /// The role name under which the companion's scores travel (`scores["E"]`, eval's table row, the model file
    /// prefix `E-…csm`).
    public static let role = "E"

    /// Model file inside the bundle directory: a whole EfficientNet-Lite0 with the trained head.
    public var model: String
    /// How images become the companion's input (the backbone's size, fit, crop fraction and normalisation).
    public var geometry: InputGeometry
    /// "effnet-lite0".
    public var architecture: String

    public init(model: String, geometry: InputGeometry, architecture: String = "effnet-lite0") {
        self.model = model
        self.geometry = geometry
        self.architecture = architecture
    }
}
