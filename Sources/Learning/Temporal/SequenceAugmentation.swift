import CamsiftCore

/// What Algorithm 1 of Pouyanfar, Chen & Shyu ("Deep Spatio-Temporal Representation Learning for Multi-Class
/// Imbalanced Data Classification") applies to every oversampled copy so copies of one video differ: the paper's
/// RandAug (random rotation, translation, shear, brightness of the frames, then new CNN features). A protocol, so
/// the oversampler does not care whether a copy is frames (the daemon's clips: image augmentation before feature
/// extraction) or feature/value sequences (the benchmark: `JitterScaling`).
public protocol SequenceAugmentation: Sendable {
    /// Augments one copy in place: `frames` holds `frameCount × featureCount` values, time-major. All randomness
    /// comes from `rng` so a seeded oversampling is reproducible.
    func augment(_ frames: inout [Float], frameCount: Int, featureCount: Int, rng: inout SeededGenerator)
}
