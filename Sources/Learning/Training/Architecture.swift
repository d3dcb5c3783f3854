/// The network families `camsift train --arch` builds.
public enum Architecture: String, Sendable, Codable, CaseIterable {
    /// From-scratch small CNN for 28–64 px inputs (NN.SmallCNN).
    case small
    /// EfficientNet-Lite0 ImageNet backbone, transfer learning (level 1: new Dense head on frozen,
    /// cached 1280-d features).
    case effnetLite0 = "effnet-lite0"
    /// Multinomial logistic regression on pixels (tests and smoke runs).
    case linear
    /// A binary concept detector on low-level features (issue 20, `ConceptDetectorTraining`): features, PCA to
    /// 324, the Table III network, Table I's bootstrapped batches. Trained per `--concept`, not by `TrainingSession`.
    case lowlevel
}
