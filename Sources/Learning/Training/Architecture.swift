/// The network families `camsift train --arch` builds.
public enum Architecture: String, Sendable, Codable, CaseIterable {
    /// From-scratch small CNN for 28–64 px inputs (NN.SmallCNN).
    case small
    /// EfficientNet-Lite0 ImageNet backbone, transfer learning (level 1: new Dense head on frozen,
    /// cached 1280-d features).
    case effnetLite0 = "effnet-lite0"
    /// Multinomial logistic regression on pixels (tests and smoke runs).
    case linear
}
