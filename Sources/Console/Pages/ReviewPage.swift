import CamsiftCore
import Labels
import Pipeline

/// The review queue: frames the rules picked for labelling, newest first, with the label bar (number keys),
/// skip/unsure, undo, a new-label form, the tag bar (multi-tag labels, `labels.csv`), and the rules themselves so the operator sees why a frame is here.
struct ReviewPage {
    struct Filter: Sendable {
        var camera = ""
        var reason: ReviewReason?
        var unsure = false
        var page = 1

        init(query: [String: String]) {
            camera = query["camera"] ?? ""
            reason = query["reason"].flatMap { ReviewReason(name: $0) }
            unsure = query["unsure"] == "1"
            page = max(1, Int(query["page"] ?? "") ?? 1)
        }
    }

    static let pageSize = 48

    let items: [ReviewItem]
    let pending: Int
    let labels: [LabelSummary]
    /// Tags of the review items (from `labels.csv`), every tag it uses, and why it could not be read.
    let tags: [ReviewItemID: [String]]
    let knownTags: [String]
    let tagsProblem: String?
    let policy: ReviewPolicy
    let filter: Filter
    /// The daemon's propagation runs (nil: not available, no button).
    var propagation: RetrainCoordinator.Status? = nil

    func render(csrf: String) -> String {
        var b = "<h1>Review <span class=\"summary\"><span id=\"pending-count\">\(pending)</span> waiting</span></h1>"
        b += "<div class=\"labelbar\" id=\"labelbar\">"
        for (i, l) in labels.enumerated() {
            let key = i < 9 ? "<kbd>\(i + 1)</kbd>" : ""
            b += "<button type=\"button\" class=\"label-btn\" data-label=\"\(HTML.escape(l.name))\">\(key)\(HTML.escape(l.name))"
                + " <span class=\"summary\">\(l.count)</span></button>"
        }
        b += "<button type=\"button\" class=\"verdict-btn\" data-verdict=\"skip\"><kbd>s</kbd>skip</button>"
            + "<button type=\"button\" class=\"verdict-btn\" data-verdict=\"unsure\"><kbd>?</kbd>unsure</button>"
            + "<button type=\"button\" id=\"undo\"><kbd>u</kbd>undo</button>"
            + "<form id=\"new-label-form\"><input id=\"new-label\" name=\"name\" placeholder=\"new label\" maxlength=\"64\" "
            + "autocomplete=\"off\"> <button type=\"submit\" id=\"create-label\">Create label</button></form>"
            + "<span id=\"selection\" class=\"summary\"></span></div>"
        b += tagBar()
        b += "<p class=\"help\">Click to select, shift-click for a range, <kbd>a</kbd> all, <kbd>Esc</kbd> none, arrows to "
            + "move (shift extends), space toggles; a number key labels the selection (or the focused frame).</p>"
        b += filterForm()
        if items.isEmpty {
            b += "<p class=\"summary\" id=\"empty-queue\">Nothing to review"
                + (filter.camera.isEmpty && filter.reason == nil ? " yet: frames arrive as the cameras are classified." : " with this filter.")
                + "</p>"
        }
        b += propagationBar()
        b += "<div class=\"grid\" id=\"review-grid\">"
        for it in items { b += tile(it) }
        b += "</div>" + pager() + rules()
        return HTML.page(title: "Review", tab: .review, csrf: csrf, body: b, bodyClass: "review")
    }

    /// "Suggest labels": starts `camsift propagate`'s run in the daemon (POST /api/propagate); its status is polled.
    private func propagationBar() -> String {
        guard let p = propagation else { return "" }
        return "<section class=\"actions\"><button id=\"propagate\" type=\"button\">Suggest labels</button> "
            + "<span class=\"help\">spreads the labels given so far to archived frames (label propagation); suggestions "
            + "arrive here pre-filled, marked suggested</span> <span id=\"propagate-status\" class=\"summary\" "
            + "data-phase=\"\(p.phase.rawValue)\">\(HTML.escape(Self.describe(p)))</span></section>"
    }

    /// One line about the propagation runs.
    static func describe(_ s: RetrainCoordinator.Status?) -> String {
        guard let s else { return "label propagation is not available in this daemon" }
        if s.phase == .training { return "propagating…" + (s.queued ? " (another run queued)" : "") }
        guard s.runs > 0 else { return "no propagation run yet" }
        if let e = s.lastError { return "last run failed: \(e)" }
        return "last run: " + (s.lastVerdict ?? "done")
    }

    private func tile(_ it: ReviewItem) -> String {
        if let s = it.suggestion { return suggestedTile(it, s) }
        let reasons = it.reasons.names.joined(separator: ", ")
        let itemTags = tags[it.id] ?? []
        var models = ""
        if let m0 = it.m0, let m1 = it.m1, m0 != m1 { models = " · M0 \(HTML.escape(m0)) / M1 \(HTML.escape(m1))" }
        return """
        <div class="frame" tabindex="0" data-id="\(it.id)" data-camera="\(HTML.escape(it.camera))">\
        <img src="/review/\(it.id).jpg" alt="frame \(it.id) of \(HTML.escape(it.camera))" loading="lazy">\
        <span class="meta"><span class="label">\(HTML.escape(it.label))</span><span class="score">\(HTML.score(it.score))</span>\
        <span class="cam-id">\(HTML.escape(it.camera))</span></span>\
        <span class="meta tags" data-tags="\(HTML.escape(itemTags.joined(separator: ";")))">\(HTML.escape(itemTags.joined(separator: ", ")))</span>\
        <span class="meta reasons">\(HTML.escape(reasons))\(models) · \(HTML.time(it.capturedWall))</span></div>
        """
    }

    /// A suggested label, pre-filled: the label and its propagated score are shown with a confirm button that assigns
    /// exactly that label (a person confirms; the label buttons and keys still assign any other).
    private func suggestedTile(_ it: ReviewItem, _ s: ReviewSuggestion) -> String {
        let others = it.top.dropFirst().prefix(2).map { "\(HTML.escape($0.label)) \(HTML.score($0.score))" }
        return """
        <div class="frame suggested" tabindex="0" data-id="\(it.id)" data-camera="\(HTML.escape(it.camera))" \
        data-suggested="\(HTML.escape(it.label))">\
        <img src="/review/\(it.id).jpg" alt="frame \(it.id) of \(HTML.escape(it.camera))" loading="lazy">\
        <span class="meta"><span class="label">suggested: \(HTML.escape(it.label))</span>\
        <span class="score">\(HTML.score(it.score))</span><span class="cam-id">\(HTML.escape(it.camera))</span></span>\
        <span class="meta reasons">suggested at iteration \(s.iteration)\(others.isEmpty ? "" : " · " + others.joined(separator: ", "))\
         · \(HTML.time(it.capturedWall))</span>\
        <button type="button" class="confirm-btn" data-id="\(it.id)" data-label="\(HTML.escape(it.label))">\
        <kbd>c</kbd>confirm \(HTML.escape(it.label))</button></div>
        """
    }

    /// Multi-tag labelling (issue 19): a checkbox per known tag and a new tag; "Set tags" gives the selected
    /// frames exactly the checked set (empty removes their tags). Frames stay in the queue: tags are beside the
    /// one label, not instead of it. Selecting one frame shows its tags in the boxes.
    private func tagBar() -> String {
        var b = "<form class=\"tagbar\" id=\"tag-form\"><span class=\"summary\">tags</span>"
        for t in knownTags {
            b += "<label class=\"tag\"><input type=\"checkbox\" class=\"tag-box\" value=\"\(HTML.escape(t))\"> \(HTML.escape(t))</label>"
        }
        b += "<input id=\"new-tag\" name=\"tag\" placeholder=\"new tag\" maxlength=\"\(TagLabels.maxTagLength)\" autocomplete=\"off\">"
            + " <button type=\"submit\" id=\"set-tags\">Set tags</button></form>"
        if let tagsProblem { b += "<p class=\"low\" id=\"tags-problem\">\(HTML.escape(tagsProblem))</p>" }
        return b
    }

    private func filterForm() -> String {
        var opts = "<option value=\"\">any reason</option>"
        for (name, r) in ReviewReason.all {
            opts += "<option value=\"\(name)\"" + (filter.reason == r ? " selected" : "") + ">\(name)</option>"
        }
        return "<form class=\"filters\" method=\"get\" action=\"/review\"><label>camera <input name=\"camera\" value=\""
            + "\(HTML.escape(filter.camera))\" size=\"14\"></label><label>reason <select name=\"reason\">\(opts)</select></label>"
            + "<label><input type=\"checkbox\" name=\"unsure\" value=\"1\"" + (filter.unsure ? " checked" : "")
            + "> include unsure</label><button type=\"submit\">Filter</button></form>"
    }

    private func pager() -> String {
        let pages = max(1, (pending + Self.pageSize - 1) / Self.pageSize)
        guard pages > 1 else { return "" }
        var q = ""
        if !filter.camera.isEmpty { q += "camera=\(HTML.url(filter.camera))&amp;" }
        if let r = filter.reason { q += "reason=\(r.names.first ?? "")&amp;" }
        if filter.unsure { q += "unsure=1&amp;" }
        var s = "<nav class=\"pager\">"
        if filter.page > 1 { s += "<a href=\"/review?\(q)page=\(filter.page - 1)\">← newer</a>" }
        s += "<span>page \(filter.page) of \(pages)</span>"
        if filter.page < pages { s += "<a href=\"/review?\(q)page=\(filter.page + 1)\">older →</a>" }
        return s + "</nav>"
    }

    /// The rules, as configured (`review` in the config), so the operator can see why frames are queued.
    private func rules() -> String {
        let p = policy
        return """
        <h2>Why frames are here</h2><ul class="help">\
        <li>lowScore: the top score is below \(p.scoreBelow)</li>\
        <li>disagreement: M0 and M1 pick different labels\(p.disagreement ? "" : " (off)")</li>\
        <li>labelChange: the label differs from the camera's most frequent one over its last \(p.historyLength) frames\(p.labelChange ? "" : " (off)")</li>\
        <li>random: a \(p.randomRate * 100) % sample of all frames, so the queue is not only hard cases</li>\
        <li>suggested: an archived frame with a label propagated from the frames labelled so far (<code>camsift propagate</code>); confirm it or pick another label</li>\
        <li>caps: at most \(p.perCameraPerHour) per camera and \(p.perHour) in all per hour; \(p.maxPending) waiting at most; unlabelled frames expire after \(p.expireDays) days</li></ul>
        """
    }
}
