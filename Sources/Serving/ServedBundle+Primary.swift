import Foundation

extension ServedBundle {
    /// The primary prediction for one image from every served model's probabilities (role → one row):
    /// the label, the probabilities the logged scores come from (before temperature scaling), and `via`.
    ///
    /// The one place the rule is written, because three callers must agree: the daemon (`BundleClassifier`),
    /// `camsift eval`'s calibration, and `camsift train`, which fits the bundle's temperature on exactly these
    /// probabilities for the reference split. For a fused bundle the probabilities are those of the model the
    /// rule followed (Eq. 3's branches), the mean for the mean rule, or softmax of the adjusted scores; in every
    /// case their argmax is the label. A companion member's scores come in under `CompanionSpec.role` ("E").
    public func primaryPrediction(_ scores: [String: [Float]]) -> (label: Int, probabilities: [Float], via: String) {
        var via = primary
        guard var probs = scores[primary] ?? servedRoles.lazy.compactMap({ scores[$0] }).first
                ?? scores.sorted(by: { $0.key < $1.key }).first?.value else {
            preconditionFailure("primaryPrediction needs the scores of at least one model")
        }
        var label = Fusion.argmax(probs)
        if primary == "fused", let f = fusion, let s1 = scores["M1"], let s0 = scores["M0"] ?? (f.needsM0 ? nil : s1) {
            let sE = f.needsCompanion ? scores[CompanionSpec.role] : nil
            let (fused, branch) = f.fuse(s0, s1, sE)
            label = fused
            via = "fused"
            switch branch {
            case .bothCommon: probs = s0
            case .bothRare: probs = s1
            case .higherScore: probs = (s1.max() ?? 0) > (s0.max() ?? 0) ? s1 : s0
            case .mean: probs = zip(s0, s1).map { ($0 + $1) / 2 }
            case .adjusted: probs = f.adjustedProbabilities(s0, s1, sE)
            }
        }
        return (label, probs, via)
    }

    /// `probabilities` at the bundle's temperature (T = 1 when none was fitted: returned unchanged).
    public func calibrated(_ probabilities: [Float]) -> [Float] {
        Temperature.scale(probabilities, by: temperature ?? 1)
    }
}
