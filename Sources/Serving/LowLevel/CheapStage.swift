import CamsiftCore
import NN

/// The cascade's first stage (issue 20, "The cascade"): a bundle's low-level classifier (`LowLevelClassifier`,
/// trained on the bundle's labels by `camsift train --cascade`) and the calibrated confidence at which its label
/// is final (`CascadeSpec.threshold`, chosen on the reference split for a target agreement with the main model).
///
/// The daemon's cascade thread runs it on every frame the change gate does not reuse: a frame whose top
/// temperature-scaled probability reaches the threshold is settled here and logged with `"via": "cheap"`; the
/// others go to the CNN batch as before. Thread-confined to the cascade thread (the network keeps workspaces).
public final class CheapStage: @unchecked Sendable {
    public static let via = "cheap"
    public let classifier: LowLevelClassifier
    public let threshold: Double
    public let spec: CascadeSpec?
    /// A threshold above any probability (`CascadeThreshold.never`: training found none that keeps the agreement
    /// target): the stage would settle no frame, so the pipeline does not run it.
    public var settlesNothing: Bool { threshold > 1 }

    public init(classifier: LowLevelClassifier, threshold: Double, spec: CascadeSpec? = nil) {
        self.classifier = classifier
        self.threshold = threshold
        self.spec = spec
    }

    /// The cheap stage of the bundle in `directory`, whose classes must be the bundle's, in order.
    public convenience init(bundleDirectory directory: String, spec: CascadeSpec, classes: [String]) throws(ServingError) {
        let c = try LowLevelClassifier(path: directory + "/" + spec.model)
        guard c.classes == classes else {
            throw ServingError(.badBundle, "bundle \(directory): cascade model \(spec.model) has classes "
                + "\(c.classes.joined(separator: ", ")), the bundle \(classes.joined(separator: ", ")); retrain with --cascade")
        }
        guard spec.threshold.isFinite, spec.threshold > 0 else {
            throw ServingError(.badBundle, "bundle \(directory): cascade threshold \(spec.threshold) must be > 0")
        }
        self.init(classifier: c, threshold: spec.threshold, spec: spec)
    }

    /// Per frame, the cheap prediction when its calibrated confidence reaches `threshold`, else nil (the frame
    /// goes to the CNN). Scores are the temperature-scaled probabilities, as a bundle logs its own.
    public func settle(_ frames: [DecodedFrame], top: Int = 5) throws(ServingError) -> [Prediction?] {
        let classes = classifier.classes
        return try classifier.probabilities(frames).map { p in
            let q = classifier.calibrated(p)
            let best = Fusion.argmax(p)
            guard Double(q[best]) >= threshold else { return nil }
            let ranked = TopK.indices(p, k: top)
            return Prediction(label: classes[best], score: Double(q[best]), via: Self.via,
                              top: ranked.map { .init(label: classes[$0], score: (Double(q[$0]) * 10000).rounded() / 10000) })
        }
    }
}
