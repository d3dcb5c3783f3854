import Labels
import Pipeline

/// The labelled dataset: images per label and per camera, each label's positives-to-negatives ratio, which labels
/// are below a usable count, and — "enough data?" — how each class's held-out F1 moved over the retrains as its
/// image count grew (`MODELS/history.jsonl`).
struct DatasetPage {
    let stats: DatasetStats
    let history: [PromotionHistory.Entry]

    func render(csrf: String) -> String {
        var b = "<h1>Dataset</h1>"
        b += "<p class=\"summary\">\(stats.total) labelled images in \(stats.labels.count) labels; a label needs at least "
            + "\(stats.minimumPerLabel) images to be usable for training.</p>"
        let maxCount = max(1, stats.labels.map(\.count).max() ?? 1)
        b += "<table class=\"dataset\"><tr><th>label</th><th>images</th><th></th><th>P/N</th><th>cameras</th>"
            + "<th>F1 over retrains (images → F1)</th></tr>"
        for l in stats.labels {
            let width = Int(Double(l.count) / Double(maxCount) * 160)
            let cams = l.perCamera.sorted { $0.value > $1.value }.prefix(5)
                .map { "\(HTML.escape($0.key)) \($0.value)" }.joined(separator: ", ")
                + (l.perCamera.count > 5 ? ", …" : "")
            b += "<tr\(l.usable ? "" : " class=\"low\"")><td>\(HTML.escape(l.name))</td><td>\(l.count)"
                + (l.usable ? "" : " (needs \(stats.minimumPerLabel - l.count) more)") + "</td>"
                + "<td><svg width=\"\(max(1, width))\" height=\"10\"><rect width=\"\(max(1, width))\" height=\"10\" fill=\"#0b62c4\"/></svg></td>"
                + "<td>\(l.positiveNegativeRatio.map { String(format: "%.3f", $0) } ?? "–")</td><td>\(cams)</td><td>\(progress(l.name))</td></tr>"
        }
        b += "</table>"
        if stats.labels.isEmpty {
            b += "<p class=\"summary\">No labels yet: create them on the <a href=\"/review\">Review</a> page.</p>"
        }
        return HTML.page(title: "Dataset", tab: .dataset, csrf: csrf, body: b, bodyClass: "dataset")
    }

    /// The class's (images, F1) at each retrain that scored it, as text.
    private func progress(_ label: String) -> String {
        var points: [String] = []
        for e in history {
            guard let i = e.classes.firstIndex(of: label), i < e.perClassF1.count else { continue }
            let n = i < e.images.count ? "\(e.images[i])" : "?"
            points.append("\(n) → \(String(format: "%.2f", e.perClassF1[i]))")
        }
        return points.isEmpty ? "<span class=\"summary\">not trained yet</span>" : HTML.escape(points.suffix(6).joined(separator: " · "))
    }
}
