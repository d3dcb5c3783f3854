/// The field names registry files may use, and "did you mean" suggestions for the ones they may not.
enum FieldNames {
    static let camera: [String] = ["id", "kind", "url", "interval", "auth", "headers", "timeout", "location", "tags", "enabled", "region"]
    static let aggregator: [String] = [
        "aggregator", "kind", "urlTemplate", "interval", "cameras", "auth", "headers", "timeout", "location", "tags", "enabled",
        "region",
    ]
    static let auth: [String] = ["user", "passwordFile"]
    static let location: [String] = ["lat", "lon", "name"]
    static let region: [String] = ["x", "y", "w", "h"]

    /// The closest known name (case-insensitive match or edit distance ≤ 2), for "did you mean 'interval'?".
    static func suggestion(for key: String, among known: [String]) -> String? {
        let lower = key.lowercased()
        if let exact = known.first(where: { $0.lowercased() == lower }) { return exact }
        var best: (String, Int)?
        for k in known {
            let d = editDistance(lower, k.lowercased())
            if d <= 2, d < (best?.1 ?? .max) { best = (k, d) }
        }
        return best?.0
    }

    /// Levenshtein distance (Wagner–Fischer, one row), on short field names only.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var prev = row[0]
            row[0] = i
            for j in 1...b.count {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }

    static func list(_ names: [String]) -> String { names.joined(separator: ", ") }
}
