import CamsiftCore
import Foundation

/// One camera: latest frame, label timeline (an SVG strip over the kept samples), recent log lines, health with
/// the last error, and the registry definition. Camera URLs and credentials never appear: the URL shows only its
/// scheme, header values and the password file are hidden, and URLs inside error texts are cut out.
struct CameraPage {
    let id: String
    let camera: Camera?
    let health: CameraHealth?
    let view: LiveCameras.View?
    let timeline: [LiveCameras.Sample]
    let recent: [ClassificationRecord]
    let now: Double

    func render(csrf: String) -> String {
        let e = HTML.escape(id)
        let u = HTML.url(id)
        var b = "<p><a href=\"/cameras\">← all cameras</a></p><h1>\(e)</h1><div class=\"camera-page\"><div>"
        b += view?.hasJPEG == true
            ? "<img class=\"latest\" id=\"latest\" src=\"/cameras/\(u)/latest.jpg\" alt=\"latest frame of \(e)\">"
            : "<div class=\"noframe latest\">no frame yet</div>"
        b += "<p class=\"now\"><span class=\"label\">\(HTML.escape(view?.label ?? "–"))</span> "
            + "<span class=\"score\">\(HTML.score(view?.score))</span> · \(HTML.age(view?.lastWall, now: now))"
            + (view?.model.map { " · model \(HTML.escape($0))" } ?? "") + "</p>"
        b += "<h2>Labels over time</h2>" + sparkline()
        b += "<h2>Recent frames</h2>" + recentTable() + "</div><div>"
        b += "<h2>Health</h2>" + healthTable() + "<h2>Registry definition</h2>" + definition() + "</div></div>"
        return HTML.page(title: id, tab: .cameras, csrf: csrf, body: b, bodyClass: "camera")
    }

    /// Label bands over the sampled timeline: one rectangle per sample up to the next, coloured by label.
    func sparkline() -> String {
        guard let first = timeline.first else { return "<p class=\"summary\">no frames classified yet</p>" }
        let end = max(now, timeline.last!.wall + 1)
        let span = max(1, end - first.wall)
        let width = 600.0
        var rects = ""
        for (i, s) in timeline.enumerated() {
            let next = i + 1 < timeline.count ? timeline[i + 1].wall : end
            let x = (s.wall - first.wall) / span * width
            let w = max(1, (next - s.wall) / span * width)
            rects += "<rect x=\"\(String(format: "%.1f", x))\" y=\"0\" width=\"\(String(format: "%.1f", w))\" height=\"24\" "
                + "fill=\"\(HTML.colour(s.label))\"><title>\(HTML.escape(s.label)) \(HTML.score(s.score)) at \(HTML.time(s.wall))</title></rect>"
        }
        var legend: [String] = []
        for s in timeline where !legend.contains(s.label) { legend.append(s.label) }
        let keys = legend.map { "<span class=\"key\"><svg width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" fill=\"\(HTML.colour($0))\"/></svg> \(HTML.escape($0))</span>" }
        return "<svg class=\"timeline\" viewBox=\"0 0 600 24\" preserveAspectRatio=\"none\" role=\"img\" "
            + "aria-label=\"labels since \(HTML.time(first.wall))\">\(rects)</svg>"
            + "<p class=\"summary\">since \(HTML.time(first.wall)) · \(keys.joined(separator: " "))</p>"
    }

    private func recentTable() -> String {
        guard !recent.isEmpty else { return "<p class=\"summary\">none in the log yet</p>" }
        var s = "<table class=\"recent\"><tr><th>time</th><th>label</th><th>score</th><th>via</th><th>model</th></tr>"
        for r in recent {
            s += "<tr><td>\(HTML.escape(r.ts))</td><td>\(HTML.escape(r.label))</td><td>\(HTML.score(r.score))</td>"
                + "<td>\(HTML.escape(r.via))\(r.reused == true ? " (reused)" : "")</td><td>\(HTML.escape(r.model))</td></tr>"
        }
        return s + "</table>"
    }

    private func healthTable() -> String {
        guard let h = health else { return "<p class=\"summary\">not running on this daemon (not in the registry or not in this shard)</p>" }
        var rows: [(String, String)] = [
            ("state", h.state.rawValue), ("kind", h.kind.rawValue), ("frames sampled", "\(h.framesSampled)"),
            ("frames delivered", "\(h.framesDelivered)"), ("bytes received", "\(h.bytesReceived)"),
            ("reconnects", "\(h.reconnects)"), ("last frame", HTML.age(h.lastFrameAt, now: now)),
        ]
        let rejects = h.rejects.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        if !rejects.isEmpty { rows.append(("rejected frames", rejects.joined(separator: ", "))) }
        rows.append(("last error", h.lastError.map(Self.withoutURLs) ?? "none"))
        return "<table class=\"kv\">" + rows.map { "<tr><th>\($0.0)</th><td>\(HTML.escape($0.1))</td></tr>" }.joined() + "</table>"
    }

    private func definition() -> String {
        guard let c = camera else { return "<p class=\"summary\">not in the registry</p>" }
        let scheme = c.url.split(separator: ":", maxSplits: 1).first.map(String.init) ?? "?"
        var rows: [(String, String)] = [
            ("id", c.id), ("kind", c.kind.rawValue), ("url", "\(scheme)://… (hidden)"),
            ("interval", "\(c.interval) s"), ("timeout", "\(c.timeout) s"), ("enabled", c.enabled ? "yes" : "no"),
        ]
        if let a = c.aggregator { rows.append(("aggregator", a)) }
        if !c.tags.isEmpty { rows.append(("tags", c.tags.joined(separator: ", "))) }
        if let l = c.location {
            rows.append(("location", [l.name, l.lat.map { "\($0)" }, l.lon.map { "\($0)" }].compactMap { $0 }.joined(separator: " ")))
        }
        if let a = c.auth { rows.append(("auth", "user \(a.user), password from a file (hidden)")) }
        if !c.headers.isEmpty { rows.append(("headers", c.headers.keys.sorted().map { "\($0): (hidden)" }.joined(separator: ", "))) }
        return "<table class=\"kv\">" + rows.map { "<tr><th>\($0.0)</th><td>\(HTML.escape($0.1))</td></tr>" }.joined() + "</table>"
    }

    /// Replaces every `scheme://…` token (up to the next space, quote or bracket) with `<url>`.
    static func withoutURLs(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let r = rest.range(of: "://") {
            var start = r.lowerBound
            while start > rest.startIndex {
                let p = rest.index(before: start)
                guard rest[p].isLetter || rest[p].isNumber || "+.-".contains(rest[p]) else { break }
                start = p
            }
            var end = r.upperBound
            while end < rest.endIndex, !" \t\n\"'()<>".contains(rest[end]) { end = rest.index(after: end) }
            out += rest[..<start] + "<url>"
            rest = rest[end...]
        }
        return out + rest
    }
}
