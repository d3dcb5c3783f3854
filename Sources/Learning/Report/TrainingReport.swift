import CamsiftCore
import Foundation
import Serving

/// `report.md` + `report.json` + `f1-by-model.png` for a trained bundle: data (the split's shares, counts per
/// class in each split and P/N ratios), the training history per model, and for M0, M1 and fused on the test
/// split, in two views (natural = the archive's class mix; balanced = every class weighted equally): accuracy,
/// macro F1 ("Avg. F1"), weighted F1 ("WAvg. F1"), per-class P/R/F1 and the confusion matrix; then the primary
/// prediction's temperature and ECE before/after scaling. A split without test images (`--split 90/10/0`, test
/// set external) has no test metrics, and the report says so instead of printing zeros that read like a failed
/// model.
public struct TrainingReport: Sendable, Codable {
    public struct ModelResult: Sendable, Codable {
        public var name: String
        /// Test-split metrics; nil when the split has no test images.
        public var natural: ClassificationMetrics?
        public var balanced: ClassificationMetrics?
        public var history: [IterationRecord]
        public var keptIteration: Int?
        public var bestIteration: Int?
        /// The later stage (level 2) ended below the earlier one on the reference split and was undone.
        public var stageRevert: Trainer.StageRevert? = nil
    }

    public var command: String
    public var created: String
    public var classes: [String]
    public var counts: [String: [Int]]  // "archive", "train", "reference", "test"
    /// The train/reference/test percentages (`--split`); nil in reports from before the option.
    public var split: SplitShares?
    public var ratios: [Double]
    public var configuration: TrainingConfiguration
    public var fusionThreshold: Double?
    public var models: [ModelResult]
    /// The primary prediction's temperature and ECE (15 bins) before/after scaling on the reference and test
    /// splits (`TrainingSession.calibrate`).
    public var calibration: CalibrationReport?

    public init(command: String, created: String, classes: [String], counts: [String: [Int]], split: SplitShares? = nil,
                ratios: [Double], configuration: TrainingConfiguration, fusionThreshold: Double?, models: [ModelResult]) {
        self.command = command
        self.created = created
        self.classes = classes
        self.counts = counts
        self.split = split
        self.ratios = ratios
        self.configuration = configuration
        self.fusionThreshold = fusionThreshold
        self.models = models
    }

    public func write(to dir: String) throws {
        let json: [UInt8]
        do { json = try JSONWriter.encode(self, pretty: true) } catch { throw LearningError(.io, "cannot encode report: \(error)") }
        try AtomicFile.write(json, to: dir + "/report.json")
        try AtomicFile.write(Array(markdown().utf8), to: dir + "/report.md")
        if hasTestMetrics {
            let chart = BarChart(values: charted.compactMap(\.natural?.f1))
            try AtomicFile.write(chart.png(), to: dir + "/f1-by-model.png")
        } else {
            try? FileManager.default.removeItem(atPath: dir + "/f1-by-model.png")  // a previous run's, not this one's
        }
    }

    /// The models drawn in the chart: M0, M1, fused (not the alternative fusion rules).
    var charted: [ModelResult] { models.filter { !$0.name.contains(":") && $0.natural != nil } }

    /// Whether the split had test images (and the models test metrics).
    public var hasTestMetrics: Bool { models.contains { $0.natural != nil } }

    static func f(_ x: Double) -> String { String(format: "%.3f", x) }

    public func markdown() -> String {
        var s = "# camsift training report\n\n`\(command)`  \n\(created)\n\n## Data\n\n"
        if let split { s += "Split \(split) (train/reference/test, % of each class), images per class:\n\n" }
        s += "| class | archive | train | reference | test | P/N ratio (train) |\n|---|---|---|---|---|---|\n"
        for (c, name) in classes.enumerated() {
            let row = ["archive", "train", "reference", "test"].map { counts[$0].map { String($0[c]) } ?? "–" }
            s += "| \(name) | " + row.joined(separator: " | ") + " | \(String(format: "%.4f", ratios[c])) |\n"
        }
        s += "\nSampler `\(configuration.sampler.rawValue)`, \(configuration.iterations) iterations, batch "
            + "\(configuration.batchSize), lr \(configuration.learningRate) (\(configuration.schedule.rawValue)), "
            + "keep \(configuration.keep.rawValue), patience \(configuration.patience), floor "
            + "\(configuration.floorFraction), mix \(configuration.mix), seed \(configuration.seed)."
        if let t = fusionThreshold { s += " Fusion threshold Tr = \(String(format: "%.4f", t)) (chosen on the reference set)." }
        s += "\n\n## Test split\n\n"
        guard hasTestMetrics else {
            s += "No test images (split \(split?.description ?? "without a test share")): no test metrics. Score the bundle on an "
                + "external test set with `camsift eval --archive TEST --model BUNDLE`.\n"
            for m in models where !m.history.isEmpty { s += "\n### \(m.name)\n" + history(m) }
            return s
        }
        s += "natural = the archive's class mix (deployed); balanced = every class weighted equally.\n\n"
        s += "| model | accuracy | macro F1 | weighted F1 | bal. accuracy | bal. macro F1 | bal. weighted F1 |\n"
        s += "|---|---|---|---|---|---|---|\n"
        for m in models {
            guard let n = m.natural, let b = m.balanced else { continue }
            s += "| \(m.name) | \(Self.f(n.accuracy)) | \(Self.f(n.macroF1)) | \(Self.f(n.weightedF1)) | "
                + "\(Self.f(b.accuracy)) | \(Self.f(b.macroF1)) | \(Self.f(b.weightedF1)) |\n"
        }
        s += "\n![per-class F1 by model](f1-by-model.png)\n\nBars per class, left to right in the table's class order; "
        s += "colours: " + charted.enumerated().map { "\($0.element.name) \(BarChart.paletteNames[$0.offset % BarChart.paletteNames.count])" }
            .joined(separator: ", ") + ".\n"
        for m in models {
            guard let n = m.natural else { continue }
            s += "\n### \(m.name)\n\n| class | precision | recall | F1 |\n|---|---|---|---|\n"
            for (c, name) in classes.enumerated() {
                s += "| \(name) | \(Self.f(n.precision[c])) | \(Self.f(n.recall[c])) | \(Self.f(n.f1[c])) |\n"
            }
            s += "\nConfusion matrix (rows true, columns predicted):\n\n```\n"
            for row in n.confusion { s += row.map { String(format: "%6.0f", $0) }.joined() + "\n" }
            s += "```\n"
            if !m.history.isEmpty { s += history(m) }
        }
        if let c = calibration { s += calibrationMarkdown(c) }
        return s
    }

    /// The calibration table: temperature, then ECE before/after per set (Guo et al. 2017, Eq. 3).
    func calibrationMarkdown(_ c: CalibrationReport) -> String {
        var s = "\n## Calibration\n\n"
        if let fit = c.fit, !fit.identifiable {
            s += "The reference split has no errors, so the temperature is not identifiable; T = 1 (scores as trained).\n\n"
        } else {
            s += "Temperature T = \(String(format: "%.4f", c.temperature)) for the primary prediction, fitted on the "
                + "reference split by negative log-likelihood (Guo et al. 2017 §4.2); the daemon logs scores at this T.\n\n"
        }
        s += "| set | images | accuracy | ECE (\(c.bins) bins) before | ECE after |\n|---|---|---|---|---|\n"
        for m in c.sets {
            s += "| \(m.set) | \(m.images) | \(Self.f(m.accuracy)) | \(String(format: "%.4f", m.before.value)) | "
                + "\(String(format: "%.4f", m.after.value)) |\n"
        }
        return s
    }

    /// A model's per-iteration table (lr, loss, reference macro F1, draws per class) and the kept iteration.
    func history(_ m: ModelResult) -> String {
        var s = "\n| iteration | lr | loss | reference macro F1 | N per class |\n|---|---|---|---|---|\n"
        for h in m.history {
            s += "| \(h.iteration) | \(String(format: "%.4g", h.learningRate)) | \(String(format: "%.4f", h.meanLoss)) | "
                + "\(Self.f(h.referenceMacroF1)) | \(h.counts.map(String.init).joined(separator: " ")) |\n"
        }
        if let k = m.keptIteration { s += "\nKept iteration \(k + 1)" }
        if let b = m.bestIteration { s += " (best reference macro F1 at iteration \(b + 1))" }
        if let r = m.stageRevert { s += ": " + Self.revertNote(r) }
        return s + ".\n"
    }

    /// Why the kept weights are the earlier stage's (`Trainer.StageRevert`).
    public static func revertNote(_ r: Trainer.StageRevert) -> String {
        "the top blocks' fine-tuning (level 2) ended at reference macro F1 \(f(r.laterMacroF1)), below level 1's "
            + "\(f(r.earlierMacroF1)) at iteration \(r.keptIteration + 1), so level 1's weights were kept "
            + "(try a smaller --fine-tune-lr-scale, or --fine-tune-blocks 0 to skip level 2)"
    }
}
