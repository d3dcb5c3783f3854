/// The training regimes `camsift train --sampler` offers: the method and the baselines it is measured
/// against, all under the same budget of |X_train| draws per iteration.
public enum SamplerKind: String, Sendable, CaseIterable, Codable {
    /// Plain cross-entropy: each iteration is a permutation of X_train (the method's M0).
    case plain
    /// Plain draws, loss weighted by inverse class frequency N / (|C| n_c).
    case weighted
    /// Class-balanced resampling: N* draws per class every iteration (over- and under-sampling).
    case balanced
    /// Deferred re-sampling: plain until `deferStart`, balanced afterwards.
    case deferred
    /// Bootstrapped balanced batches (the earlier binary study): each batch has a fixed ratio of
    /// common-class ("negative") to rare-class ("positive") images, positives drawn with replacement.
    case bootstrap
    /// Algorithm 1 (F1-based dynamic sampling) for M1, plus M0 (plain) and the Eq. 3 fusion.
    case dynamic
    /// The default: the fused bundle with the changes that won `make bench-longtail` (see docs/learning.md).
    case fused
}
