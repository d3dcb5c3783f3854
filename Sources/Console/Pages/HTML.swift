import Foundation

/// Server-rendered HTML: escaping, the page frame (navigation, CSRF token, script and style links) and a few
/// formatters. No inline script or style anywhere (the server's Content-Security-Policy forbids both), so the
/// pages work with JavaScript off except for the parts that need it (labelling keys, retrain progress).
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Percent-encodes a path segment or query value (camera ids may hold characters a URL cannot).
    static func url(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    enum Tab: String, CaseIterable {
        case cameras = "Cameras", review = "Review", dataset = "Dataset", models = "Models"
        var path: String { "/" + rawValue.lowercased() }
    }

    static func page(title: String, tab: Tab?, csrf: String, body: String, bodyClass: String = "") -> String {
        var nav = ""
        for t in Tab.allCases {
            nav += "<a href=\"\(t.path)\"" + (t == tab ? " class=\"active\" aria-current=\"page\"" : "") + ">\(t.rawValue)</a>"
        }
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="csrf-token" content="\(escape(csrf))">
        <title>\(escape(title)) · camsift</title>
        <link rel="stylesheet" href="/static/console.css">
        <script src="/static/console.js" defer></script>
        </head><body class="\(escape(bodyClass))">
        <header><a class="brand" href="/cameras">camsift</a><nav>\(nav)</nav><span id="status" role="status"></span></header>
        <main>
        \(body)
        </main></body></html>
        """
    }

    static func score(_ s: Double?) -> String { s.map { String(format: "%.2f", $0) } ?? "–" }

    static func age(_ wall: Double?, now: Double) -> String {
        guard let wall else { return "never" }
        let d = max(0, now - wall)
        if d < 90 { return "\(Int(d)) s ago" }
        if d < 5400 { return "\(Int(d / 60)) min ago" }
        if d < 172_800 { return "\(Int(d / 3600)) h ago" }
        return "\(Int(d / 86400)) d ago"
    }

    static func time(_ wall: Double) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
        return f.string(from: Date(timeIntervalSince1970: wall))
    }

    /// A stable colour per label (SVG fill attributes are not style, so the CSP allows them).
    static func colour(_ label: String) -> String {
        var h: UInt32 = 2_166_136_261
        for b in label.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return "hsl(\(h % 360) 60% 45%)"
    }
}
