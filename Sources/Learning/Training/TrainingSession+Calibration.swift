import Foundation
import Serving

extension TrainingSession {
    /// Fits the bundle's temperature on the reference split and measures ECE before and after (issue 16:
    /// "the review console and the cascade rely on scores meaning what they say").
    ///
    /// T is fitted to what the daemon logs: the primary prediction's probabilities
    /// (`ServedBundle.primaryPrediction`, the fused or adjusted rule included) for the reference images, from
    /// the same network outputs the fusion rule was chosen on. The test split is measured with the T the
    /// reference gave — it never informs the fit — plain and in the balanced view (every class weighted
    /// equally, issue 16's target: ECE ≤ 0.03 there).
    ///
    /// - Parameters:
    ///   - reference: each role's probabilities for the reference images, and their labels.
    ///   - test: the same for the test split (may be empty), with the balanced view's per-image weights.
    static func calibrate(_ bundle: inout ModelBundle, reference: (scores: [String: [[Float]]], labels: [Int]),
                          test: (scores: [String: [[Float]]], labels: [Int], balancedWeights: [Double]),
                          log: (String) -> Void) -> CalibrationReport {
        let served = bundle.served
        let ref = CalibrationReport.primaryPredictions(served, scores: reference.scores)
        let balanced = bundle.configuration.calibrationView == .balanced
        let refWeights = TemperatureScaling.classBalancedWeights(labels: reference.labels)
        let fit = balanced ? TemperatureScaling.fitClassBalanced(probabilities: ref.map(\.probabilities), labels: reference.labels)
            : TemperatureScaling.fit(probabilities: ref.map(\.probabilities), labels: reference.labels)
        bundle.temperature = fit.temperature
        var report = CalibrationReport(temperature: fit.temperature, fit: fit)
        report.measure("reference", predictions: ref, labels: reference.labels)
        report.measure("reference (balanced)", predictions: ref, labels: reference.labels, weights: refWeights)
        if !test.labels.isEmpty {
            let t = CalibrationReport.primaryPredictions(served, scores: test.scores)
            report.measure("test", predictions: t, labels: test.labels)
            report.measure("test (balanced)", predictions: t, labels: test.labels, weights: test.balancedWeights)
        }
        log(fit.identifiable
            ? String(format: "temperature T = %.4f fitted on the reference split%@ (NLL %.4f → %.4f)", fit.temperature,
                     balanced ? ", every class weighted equally" : "", fit.nllBefore, fit.nllAfter)
            : "temperature: the reference split has no errors, so T is not identifiable; kept T = 1")
        for line in report.lines { log("calibration " + line) }
        return report
    }
}
