import CamsiftCore

/// The camera grid: every camera's latest frame, label, score, state and frame rate, filtered and paged so the
/// page stays small at 10,000 cameras (one page renders `pageSize` tiles; the filters run over plain values).
struct CamerasPage {
    struct Filter: Sendable, Equatable {
        var state: String = ""
        var label: String = ""
        var tag: String = ""
        var text: String = ""
        var page = 1

        init(query: [String: String]) {
            state = query["state"] ?? ""
            label = query["label"] ?? ""
            tag = query["tag"] ?? ""
            text = query["q"] ?? ""
            page = max(1, Int(query["page"] ?? "") ?? 1)
        }

        init() {}

        func matches(_ h: CameraHealth, _ v: LiveCameras.View?, tags: [String]) -> Bool {
            if !state.isEmpty, h.state.rawValue != state { return false }
            if !label.isEmpty, v?.label?.range(of: label, options: .caseInsensitive) == nil { return false }
            if !tag.isEmpty, !tags.contains(tag) { return false }
            if !text.isEmpty, h.id.range(of: text, options: .caseInsensitive) == nil { return false }
            return true
        }

        func query(page p: Int) -> String {
            var parts: [String] = []
            for (k, v) in [("state", state), ("label", label), ("tag", tag), ("q", text)] where !v.isEmpty {
                parts.append("\(k)=\(HTML.url(v))")
            }
            parts.append("page=\(p)")
            return "?" + parts.joined(separator: "&")
        }
    }

    static let pageSize = 60

    let health: [CameraHealth]
    let views: [String: LiveCameras.View]
    let tags: (String) -> [String]
    let filter: Filter
    let now: Double

    /// The cameras matching the filter, in id order (health is sorted by id).
    func matching() -> [CameraHealth] { health.filter { filter.matches($0, views[$0.id], tags: tags($0.id)) } }

    func render(csrf: String) -> String {
        let rows = matching()
        let pages = max(1, (rows.count + Self.pageSize - 1) / Self.pageSize)
        let page = min(filter.page, pages)
        let slice = rows.dropFirst((page - 1) * Self.pageSize).prefix(Self.pageSize)
        var counts: [String: Int] = [:]
        for h in health { counts[h.state.rawValue, default: 0] += 1 }
        let summary = CameraState.allCases.compactMap { s in counts[s.rawValue].map { "\($0) \(s.rawValue)" } }
            .joined(separator: " · ")
        var b = "<h1>Cameras</h1><p class=\"summary\">\(health.count) cameras: \(HTML.escape(summary))</p>"
        b += filterForm()
        b += "<p class=\"summary\">\(rows.count) match · page \(page) of \(pages)</p><div class=\"grid\" id=\"camera-grid\">"
        for h in slice { b += tile(h, views[h.id]) }
        b += "</div>" + pager(page: page, pages: pages)
        return HTML.page(title: "Cameras", tab: .cameras, csrf: csrf, body: b, bodyClass: "cameras")
    }

    private func tile(_ h: CameraHealth, _ v: LiveCameras.View?) -> String {
        let id = HTML.escape(h.id)
        let u = HTML.url(h.id)
        let img = v?.hasJPEG == true
            ? "<img loading=\"lazy\" src=\"/cameras/\(u)/latest.jpg?v=\(v?.frameVersion ?? 0)\" alt=\"latest frame of \(id)\">"
            : "<div class=\"noframe\">no frame</div>"
        let fps = v.map { $0.framesPerSecond > 0 ? String(format: "%.2f/s", $0.framesPerSecond) : "–" } ?? "–"
        return """
        <a class="cam state-\(h.state.rawValue)" data-camera="\(id)" href="/cameras/\(u)">\(img)\
        <span class="name">\(id)</span><span class="meta"><span class="label">\(HTML.escape(v?.label ?? "–"))</span>\
        <span class="score">\(HTML.score(v?.score))</span><span class="state">\(h.state.rawValue)</span>\
        <span class="fps">\(fps)</span></span></a>
        """
    }

    private func filterForm() -> String {
        var opts = "<option value=\"\">any state</option>"
        for s in CameraState.allCases {
            opts += "<option value=\"\(s.rawValue)\"" + (filter.state == s.rawValue ? " selected" : "") + ">\(s.rawValue)</option>"
        }
        return """
        <form class="filters" method="get" action="/cameras">\
        <label>state <select name="state">\(opts)</select></label>\
        <label>label <input name="label" value="\(HTML.escape(filter.label))" size="12"></label>\
        <label>tag <input name="tag" value="\(HTML.escape(filter.tag))" size="10"></label>\
        <label>camera <input name="q" value="\(HTML.escape(filter.text))" size="12"></label>\
        <button type="submit">Filter</button></form>
        """
    }

    private func pager(page: Int, pages: Int) -> String {
        guard pages > 1 else { return "" }
        var s = "<nav class=\"pager\">"
        if page > 1 { s += "<a rel=\"prev\" href=\"/cameras\(HTML.escape(filter.query(page: page - 1)))\">← previous</a>" }
        s += "<span>page \(page) of \(pages)</span>"
        if page < pages { s += "<a rel=\"next\" href=\"/cameras\(HTML.escape(filter.query(page: page + 1)))\">next →</a>" }
        return s + "</nav>"
    }
}
