import CamsiftCore
import Foundation
import Pipeline

/// Models: the serving and the previous bundle with their training reports (per-class precision/recall/F1, the
/// confusion matrix drawn as an SVG heat map, calibration), the promotion history with both scores, a retrain
/// button with live progress (the same request as `SIGUSR1`) and rollback.
///
/// Reports are read from each bundle's `report.json` as plain JSON: the console never imports the trainer.
struct ModelsPage {
    struct Bundle {
        var role: String
        var name: String
        var report: [String: Any]?
    }

    let serving: String
    let bundles: [Bundle]
    let history: [PromotionHistory.Entry]
    let retrain: RetrainCoordinator.Status?

    func render(csrf: String) -> String {
        var b = "<h1>Models</h1><p>Serving <code id=\"serving-model\">\(HTML.escape(serving))</code></p>"
        b += "<section class=\"actions\"><button id=\"retrain\" type=\"button\">Retrain now</button> "
            + "<button id=\"rollback\" type=\"button\">Roll back to the previous bundle</button>"
            + "<p id=\"retrain-status\" data-phase=\"\(retrain?.phase.rawValue ?? "off")\">\(HTML.escape(Self.describe(retrain)))</p></section>"
        for bundle in bundles { b += section(bundle) }
        b += historyTable()
        return HTML.page(title: "Models", tab: .models, csrf: csrf, body: b, bodyClass: "models")
    }

    static func describe(_ s: RetrainCoordinator.Status?) -> String {
        guard let s else { return "retraining is not available in this daemon" }
        var t = s.phase == .training ? "training (\(s.lastReason ?? "request"))…" : "idle"
        if s.queued { t += "; one more retrain queued" }
        if let v = s.lastVerdict { t += "; last: \(v)" }
        if let e = s.lastError { t += "; last error: \(e)" }
        return t
    }

    private func section(_ bundle: Bundle) -> String {
        var s = "<section class=\"bundle\"><h2>\(HTML.escape(bundle.role)): \(HTML.escape(bundle.name))</h2>"
        guard let r = bundle.report else { return s + "<p class=\"summary\">no report.json in this bundle</p></section>" }
        let classes = r["classes"] as? [String] ?? []
        if let created = r["created"] as? String { s += "<p class=\"summary\">trained \(HTML.escape(created))</p>" }
        let models = r["models"] as? [[String: Any]] ?? []
        let primary = models.first { ($0["name"] as? String) == "fused" } ?? models.last
        if let m = primary, let nat = m["natural"] as? [String: Any] {
            let name = m["name"] as? String ?? "?"
            s += "<p>\(HTML.escape(name)) on the test split: accuracy \(Self.f(nat["accuracy"])), macro F1 \(Self.f(nat["macroF1"]))</p>"
            let p = nat["precision"] as? [Double] ?? [], rc = nat["recall"] as? [Double] ?? [], f1 = nat["f1"] as? [Double] ?? []
            let support = nat["support"] as? [Double] ?? []
            s += "<table class=\"perclass\"><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>test images</th></tr>"
            for (i, c) in classes.enumerated() {
                s += "<tr><td>\(HTML.escape(c))</td><td>\(Self.f(p[safe: i]))</td><td>\(Self.f(rc[safe: i]))</td>"
                    + "<td>\(Self.f(f1[safe: i]))</td><td>\(support[safe: i].map { String(Int($0)) } ?? "–")</td></tr>"
            }
            s += "</table>"
            if let confusion = nat["confusion"] as? [[Double]] { s += Self.heatMap(confusion, classes: classes) }
        } else {
            s += "<p class=\"summary\">no test metrics (the split had no test images)</p>"
        }
        if let cal = r["calibration"] as? [String: Any] {
            let t = cal["temperature"] as? Double
            var line = "Calibration: temperature \(t.map { String(format: "%.2f", $0) } ?? "–")"
            for set in cal["sets"] as? [[String: Any]] ?? [] {
                let before = (set["before"] as? [String: Any])?["value"], after = (set["after"] as? [String: Any])?["value"]
                line += "; ECE on \(HTML.escape(set["set"] as? String ?? "?")) \(Self.f(before)) → \(Self.f(after))"
            }
            s += "<p>\(line)</p>"
        }
        return s + "</section>"
    }

    /// The confusion matrix as an image: rows true class, columns predicted, cell shade by row share.
    static func heatMap(_ m: [[Double]], classes: [String]) -> String {
        let n = m.count
        guard n > 0, n <= 60 else { return "" }
        let cell = 24.0, pad = 110.0
        let side = pad + cell * Double(n)
        var s = "<svg class=\"confusion\" width=\"\(Int(side))\" height=\"\(Int(side))\" viewBox=\"0 0 \(Int(side)) \(Int(side))\" "
            + "role=\"img\" aria-label=\"confusion matrix\">"
        for (i, row) in m.enumerated() {
            let total = max(1, row.reduce(0, +))
            s += "<text x=\"\(Int(pad - 4))\" y=\"\(Int(pad + cell * Double(i) + 16))\" text-anchor=\"end\" font-size=\"11\">"
                + "\(HTML.escape(String(classes[safe: i]?.prefix(16) ?? "")))</text>"
            for (j, v) in row.enumerated() {
                let share = v / total
                let light = Int(97 - share * 60)
                s += "<rect x=\"\(Int(pad + cell * Double(j)))\" y=\"\(Int(pad + cell * Double(i)))\" width=\"\(Int(cell - 1))\" "
                    + "height=\"\(Int(cell - 1))\" fill=\"hsl(\(i == j ? 140 : 0) 55% \(light)%)\"><title>true "
                    + "\(HTML.escape(classes[safe: i] ?? "")) → predicted \(HTML.escape(classes[safe: j] ?? "")): \(Int(v))</title></rect>"
            }
        }
        for j in 0..<n {
            let x = Int(pad + cell * Double(j) + 16)
            s += "<text x=\"\(x)\" y=\"\(Int(pad - 4))\" font-size=\"11\" transform=\"rotate(-60 \(x) \(Int(pad - 4)))\">"
                + "\(HTML.escape(String(classes[safe: j]?.prefix(16) ?? "")))</text>"
        }
        return s + "</svg>"
    }

    private func historyTable() -> String {
        var s = "<h2>Promotion history</h2>"
        guard !history.isEmpty else { return s + "<p class=\"summary\">no retrain yet</p>" }
        s += "<table class=\"history\"><tr><th>time</th><th>reason</th><th>outcome</th><th>candidate F1</th>"
            + "<th>serving F1</th><th>took</th><th>bundle</th></tr>"
        for e in history.reversed() {
            s += "<tr class=\"outcome-\(HTML.escape(e.outcome))\"><td>\(HTML.escape(e.ts))</td><td>\(HTML.escape(e.reason))</td>"
                + "<td title=\"\(HTML.escape(e.message))\">\(HTML.escape(e.outcome))</td><td>\(Self.f(e.candidateF1))</td>"
                + "<td>\(Self.f(e.currentF1))</td><td>\(Int(e.seconds)) s</td><td>\(HTML.escape(e.bundle ?? "–"))</td></tr>"
        }
        return s + "</table>"
    }

    static func f(_ v: Any?) -> String {
        guard let d = v as? Double, d.isFinite else { return "–" }
        return String(format: "%.3f", d)
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
