/// The cascade entry of a bundle (issue 20, "The cascade"): the cheap stage's model file inside the bundle
/// directory and the calibrated confidence at or above which its label is final. `camsift train --cascade`
/// chooses `threshold` on the frames neither model trained on (reference and test splits) as the lowest confidence
/// at which a lower confidence bound of the settled frames' agreement with the main model's primary prediction
/// reaches `targetAgreement`, and records what it measured there (agreement, its bound, the share settled).
public struct CascadeSpec: Sendable, Codable, Equatable {
    /// The `lowlevel-cnn` model file (`cheap-<hash>.csm`) in the bundle directory.
    public var model: String
    /// Calibrated top-class probability at or above which the cheap label is logged (`"via": "cheap"`).
    public var threshold: Double
    /// Agreement with the main model the threshold was chosen for (e.g. 0.98).
    public var targetAgreement: Double
    /// On the frames the threshold was fitted on, at `threshold`: agreement with the main model of the frames
    /// settled, and the share of frames settled (named for the reference split, the only one used before the bound).
    public var referenceAgreement: Double
    public var referenceCoverage: Double
    /// The bound's one-sided confidence level, the bound of `referenceAgreement` at it, and how many frames the
    /// threshold was fitted on (nil in bundles from before the bound: raw reference agreement).
    public var confidenceLevel: Double?
    public var agreementBound: Double?
    public var fittedFrames: Int?

    public init(model: String, threshold: Double, targetAgreement: Double, referenceAgreement: Double,
                referenceCoverage: Double) {
        self.model = model
        self.threshold = threshold
        self.targetAgreement = targetAgreement
        self.referenceAgreement = referenceAgreement
        self.referenceCoverage = referenceCoverage
    }
}
