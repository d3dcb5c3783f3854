/// The cascade entry of a bundle (issue 20, "The cascade"): the cheap stage's model file inside the bundle
/// directory and the calibrated confidence at or above which its label is final. `camsift train --cascade`
/// chooses `threshold` on the reference split as the lowest confidence at which the frames it would settle agree
/// with the main model's primary prediction on at least `targetAgreement` of them, and records what it measured
/// there (agreement and the share of frames settled).
public struct CascadeSpec: Sendable, Codable, Equatable {
    /// The `lowlevel-cnn` model file (`cheap-<hash>.csm`) in the bundle directory.
    public var model: String
    /// Calibrated top-class probability at or above which the cheap label is logged (`"via": "cheap"`).
    public var threshold: Double
    /// Agreement with the main model the threshold was chosen for (e.g. 0.98).
    public var targetAgreement: Double
    /// On the reference split at `threshold`: agreement with the main model of the frames settled, and the
    /// share of frames settled.
    public var referenceAgreement: Double
    public var referenceCoverage: Double

    public init(model: String, threshold: Double, targetAgreement: Double, referenceAgreement: Double,
                referenceCoverage: Double) {
        self.model = model
        self.threshold = threshold
        self.targetAgreement = targetAgreement
        self.referenceAgreement = referenceAgreement
        self.referenceCoverage = referenceCoverage
    }
}
