import CamsiftCore

/// The concatenated low-level feature vector of one frame, as Yan, Chen, Shyu, Chen ("Deep Learning for
/// Imbalanced Multimedia Data Classification", §III-A) build it before PCA to 324 dimensions: Haar-like, HOG,
/// HSV colour histogram, YCbCr statistics and CEDD, in that order. Each family keeps its own scale (all are
/// normalised to roughly [−1, 1] or [0, 1] by their own definitions); PCA centres the concatenation.
public struct LowLevelFeatures: Sendable, Equatable {
    public var haar: HaarFeatures
    public var hog: HOGDescriptor
    public var hsv: HSVHistogram
    public var ycbcr: YCbCrStatistics
    public var cedd: CEDDDescriptor

    public init(haar: HaarFeatures = HaarFeatures(), hog: HOGDescriptor = HOGDescriptor(),
                hsv: HSVHistogram = HSVHistogram(), ycbcr: YCbCrStatistics = YCbCrStatistics(),
                cedd: CEDDDescriptor = CEDDDescriptor()) {
        self.haar = haar
        self.hog = hog
        self.hsv = hsv
        self.ycbcr = ycbcr
        self.cedd = cedd
    }

    /// Length of the vector for frames of `width` × `height`.
    public func featureCount(width: Int, height: Int) -> Int {
        haar.featureCount + hog.featureCount(width: width, height: height) + hsv.featureCount + ycbcr.featureCount
            + cedd.featureCount
    }

    /// Haar ‖ HOG ‖ HSV ‖ YCbCr ‖ CEDD of one decoded frame.
    public func features(_ frame: DecodedFrame) -> [Float] {
        haar.features(frame) + hog.features(frame) + hsv.features(frame) + ycbcr.features(frame) + cedd.features(frame)
    }
}
