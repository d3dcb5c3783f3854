import Foundation

/// `report.md` + `report.json` + `f1-by-model.png` for a trained bundle: data (counts and P/N ratios per
/// split), the training history per model, and for M0, M1 and fused on the test split, in two views
/// (natural = the archive's class mix; balanced = every class weighted equally): accuracy, macro F1
/// ("Avg. F1"), weighted F1 ("WAvg. F1"), per-class P/R/F1 and the confusion matrix.
public struct TrainingReport: Sendable, Codable {
    public struct ModelResult: Sendable, Codable {
        public var name: String
        public var natural: ClassificationMetrics
        public var balanced: ClassificationMetrics
        public var history: [IterationRecord]
        public var keptIteration: Int?
        public var bestIteration: Int?
    }

    public var command: String
    public var created: String
    public var classes: [String]
    public var counts: [String: [Int]]  // "archive", "train", "reference", "test"
    public var ratios: [Double]
    public var configuration: TrainingConfiguration
    public var fusionThreshold: Double?
    public var models: [ModelResult]

    public init(command: String, created: String, classes: [String], counts: [String: [Int]], ratios: [Double],
                configuration: TrainingConfiguration, fusionThreshold: Double?, models: [ModelResult]) {
        self.command = command
        self.created = created
        self.classes = classes
        self.counts = counts
        self.ratios = ratios
        self.configuration = configuration
        self.fusionThreshold = fusionThreshold
        self.models = models
    }

    public func write(to dir: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json: Data
        do { json = try enc.encode(self) } catch { throw LearningError(.io, "cannot encode report: \(error)") }
        try AtomicFile.write(Array(json), to: dir + "/report.json")
        try AtomicFile.write(Array(markdown().utf8), to: dir + "/report.md")
        let chart = BarChart(values: charted.map(\.natural.f1))
        try AtomicFile.write(chart.png(), to: dir + "/f1-by-model.png")
    }

    /// The models drawn in the chart: M0, M1, fused (not the alternative fusion rules).
    var charted: [ModelResult] { models.filter { !$0.name.contains(":") } }

    static func f(_ x: Double) -> String { String(format: "%.3f", x) }

    public func markdown() -> String {
        var s = "# camsift training report\n\n`\(command)`  \n\(created)\n\n## Data\n\n"
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
        s += "\n\n## Test split\n\nnatural = the archive's class mix (deployed); balanced = every class weighted equally.\n\n"
        s += "| model | accuracy | macro F1 | weighted F1 | bal. accuracy | bal. macro F1 | bal. weighted F1 |\n"
        s += "|---|---|---|---|---|---|---|\n"
        for m in models {
            s += "| \(m.name) | \(Self.f(m.natural.accuracy)) | \(Self.f(m.natural.macroF1)) | \(Self.f(m.natural.weightedF1)) | "
                + "\(Self.f(m.balanced.accuracy)) | \(Self.f(m.balanced.macroF1)) | \(Self.f(m.balanced.weightedF1)) |\n"
        }
        s += "\n![per-class F1 by model](f1-by-model.png)\n\nBars per class, left to right in the table's class order; "
        s += "colours: " + charted.enumerated().map { "\($0.element.name) \(BarChart.paletteNames[$0.offset % BarChart.paletteNames.count])" }
            .joined(separator: ", ") + ".\n"
        for m in models {
            s += "\n### \(m.name)\n\n| class | precision | recall | F1 |\n|---|---|---|---|\n"
            for (c, name) in classes.enumerated() {
                s += "| \(name) | \(Self.f(m.natural.precision[c])) | \(Self.f(m.natural.recall[c])) | \(Self.f(m.natural.f1[c])) |\n"
            }
            s += "\nConfusion matrix (rows true, columns predicted):\n\n```\n"
            for row in m.natural.confusion { s += row.map { String(format: "%6.0f", $0) }.joined() + "\n" }
            s += "```\n"
            if !m.history.isEmpty {
                s += "\n| iteration | lr | loss | reference macro F1 | N per class |\n|---|---|---|---|---|\n"
                for h in m.history {
                    s += "| \(h.iteration) | \(String(format: "%.4g", h.learningRate)) | \(String(format: "%.4f", h.meanLoss)) | "
                        + "\(Self.f(h.referenceMacroF1)) | \(h.counts.map(String.init).joined(separator: " ")) |\n"
                }
                if let k = m.keptIteration { s += "\nKept iteration \(k + 1)" }
                if let b = m.bestIteration { s += " (best reference macro F1 at iteration \(b + 1))" }
                s += ".\n"
            }
        }
        return s
    }
}
