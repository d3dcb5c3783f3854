import CamsiftCore
#if canImport(Glibc)
import Glibc
#endif

/// The benchmark's stand-in for RandAug on non-image sequences (issue 18: "RandAug replaced by jitter and
/// scaling"): the two label-preserving time-series augmentations of Um et al. 2017 ("Data Augmentation of
/// Wearable Sensor Data for Parkinson's Disease Monitoring using Convolutional Neural Networks"): every channel is
/// multiplied by one factor ~ N(1, scalingSigma²) for the whole sequence (scaling, like a brightness change), then
/// every value gets independent noise ~ N(0, jitterSigma²) (jitter). Sigmas are in the data's units; the
/// benchmark standardises channels first so they are fractions of a standard deviation.
public struct JitterScaling: SequenceAugmentation {
    public var jitterSigma: Float
    public var scalingSigma: Float

    public init(jitterSigma: Float = 0.05, scalingSigma: Float = 0.1) {
        self.jitterSigma = jitterSigma
        self.scalingSigma = scalingSigma
    }

    public func augment(_ frames: inout [Float], frameCount: Int, featureCount: Int, rng: inout SeededGenerator) {
        let scales = (0..<featureCount).map { _ in 1 + scalingSigma * Self.normal(&rng) }
        for t in 0..<frameCount {
            for f in 0..<featureCount {
                frames[t * featureCount + f] = frames[t * featureCount + f] * scales[f] + jitterSigma * Self.normal(&rng)
            }
        }
    }

    /// Standard normal by Box–Muller (one of the pair; the draw pattern is pinned by `SeededGenerator`).
    static func normal(_ rng: inout SeededGenerator) -> Float {
        let u1 = max(rng.unit(), 1e-12), u2 = rng.unit()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
