import CamsiftCore
import Foundation
import Labels
import Pipeline
import WebServer

/// Maps requests to the console's pages and actions. Routes are matched on path segments; every parameter is a
/// camera id, a review item id, a label name or a number, checked here, and none of them ever becomes a file
/// path. Unknown paths are 404, wrong methods 405, bad parameters 400 with a message that says what to send.
/// GET and HEAD never change state; every change is a POST (the server checks its CSRF token).
struct ConsoleRouter: HTTPHandler {
    let console: OperatorConsole

    func respond(to request: HTTPRequest) -> HTTPResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let isPost = request.method == "POST"
        let isRead = request.method == "GET" || request.method == "HEAD"
        switch parts.count {
        case 0:
            return isRead ? .redirect(to: "/cameras") : Self.methodNotAllowed
        case 1 where isRead:
            switch parts[0] {
            case "cameras": return camerasPage(request)
            case "review": return reviewPage(request)
            case "dataset": return datasetPage()
            case "models": return modelsPage()
            default: return Self.notFound
            }
        case 2 where parts[0] == "static" && isRead:
            switch parts[1] {
            case "console.js": return ConsoleAssets.script
            case "console.css": return ConsoleAssets.style
            default: return Self.notFound
            }
        case 2 where parts[0] == "cameras" && isRead:
            return cameraPage(parts[1])
        case 3 where parts[0] == "cameras" && parts[2] == "latest.jpg" && isRead:
            guard let frame = console.live.latestFrame(parts[1]) else {
                return .status(404, "no frame of camera '\(parts[1])' yet (or its frame did not fit the console's memory budget)")
            }
            // Versioned by capture time: an unchanged frame is a 304 without a body, and pages that ask for
            // `latest.jpg?v=VERSION` may keep it (a browser refreshing the grid then fetches only changed frames).
            let etag = "\"\(frame.version)\""
            if request.header("If-None-Match") == etag {
                return HTTPResponse(status: 304, headers: [("ETag", etag), ("Cache-Control", "private, no-cache")])
            }
            var r = HTTPResponse.jpeg(frame.jpeg)
            r.headers.append(("ETag", etag))
            r.headers.append(("Cache-Control", request.query["v"] != nil ? "private, max-age=3600" : "private, no-cache"))
            return r
        case 2 where parts[0] == "review" && isRead:
            guard parts[1].hasSuffix(".jpg"), let n = Int64(parts[1].dropLast(4)), n > 0 else { return Self.notFound }
            let id = ReviewItemID(n)
            guard let jpeg = console.labelling?.queue.jpeg(id) else { return .status(404, "no review frame \(id)") }
            return .jpeg(jpeg, cacheable: true)
        case 2 where parts[0] == "api":
            return api(parts[1], request, isPost: isPost, isRead: isRead)
        default:
            return isRead || isPost ? Self.notFound : Self.methodNotAllowed
        }
    }

    static let notFound = HTTPResponse.status(404, "not found: see /cameras, /review, /dataset, /models")
    static let methodNotAllowed = HTTPResponse.status(405, "method not allowed")

    // MARK: pages

    private func camerasPage(_ r: HTTPRequest) -> HTTPResponse {
        let ctx = console.context
        let page = CamerasPage(health: ctx.health(), views: console.live.views(), tags: { ctx.camera($0)?.tags ?? [] },
                               filter: .init(query: r.query), now: Timestamp.now())
        return .html(page.render(csrf: console.csrfToken))
    }

    private func cameraPage(_ id: String) -> HTTPResponse {
        let ctx = console.context
        let health = ctx.health().first { $0.id == id }
        let camera = ctx.camera(id)
        guard health != nil || camera != nil || console.live.view(id) != nil else {
            return .status(404, "no camera '\(id)' in the registry")
        }
        let page = CameraPage(id: id, camera: camera, health: health, view: console.live.view(id),
                              timeline: console.live.timeline(id), recent: console.live.recent(id), now: Timestamp.now())
        return .html(page.render(csrf: console.csrfToken))
    }

    /// The Review and Dataset pages when this daemon has no label store: what is wrong and how to fix it.
    private func labellingOff(_ tab: HTML.Tab) -> HTTPResponse {
        let why = console.labellingProblem ?? "no label store"
        return .html(HTML.page(title: tab.rawValue, tab: tab, csrf: console.csrfToken, body:
            "<h1>\(tab.rawValue)</h1><p class=\"low\" id=\"labelling-off\">Labelling is off in this daemon: \(HTML.escape(why))</p>"), status: 503)
    }

    private func reviewPage(_ r: HTTPRequest) -> HTTPResponse {
        guard let lab = console.labelling else { return labellingOff(.review) }
        var f = ReviewPage.Filter(query: r.query)
        let camera = f.camera.isEmpty ? nil : f.camera
        let pending = lab.queue.pendingCount(camera: camera, reason: f.reason, includeUnsure: f.unsure)
        // At most the last page, as the camera grid does: `?page=192153584101141164` overflowed the offset (a trap
        // the router fuzzer found).
        f.page = min(f.page, max(1, (pending + ReviewPage.pageSize - 1) / ReviewPage.pageSize))
        let items = lab.queue.pending(offset: (f.page - 1) * ReviewPage.pageSize, limit: ReviewPage.pageSize,
                                          camera: camera, reason: f.reason, includeUnsure: f.unsure)
        // Tags: every tag in labels.csv is offered (hand-written rows too); a file that does not parse is shown,
        // not overwritten (`setTags` refuses it as well).
        var file = TagLabels(), tagsProblem: String?
        do { file = try lab.store.tagLabels() } catch { tagsProblem = "\(error)" }
        let page = ReviewPage(items: items, pending: pending, labels: lab.store.labels(),
                              tags: LabelStore.reviewTags(in: file), knownTags: file.knownTags, tagsProblem: tagsProblem,
                              policy: lab.queue.policy, filter: f, propagation: console.context.propagateStatus())
        return .html(page.render(csrf: console.csrfToken))
    }

    private func datasetPage() -> HTTPResponse {
        guard let lab = console.labelling else { return labellingOff(.dataset) }
        let stats: DatasetStats
        do { stats = try lab.store.stats() } catch { return .status(500, "\(error)") }
        let page = DatasetPage(stats: stats, history: PromotionHistory(models: console.context.models).read())
        return .html(page.render(csrf: console.csrfToken))
    }

    private func modelsPage() -> HTTPResponse {
        let store = BundleStore(root: console.context.models)
        var bundles: [ModelsPage.Bundle] = []
        for (role, path) in [("serving", store.current), ("previous", store.previous)] {
            guard let path else { continue }
            let report = FileManager.default.contents(atPath: path + "/report.json")
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            bundles.append(.init(role: role, name: (path as NSString).lastPathComponent, report: report))
        }
        let page = ModelsPage(serving: console.context.servingModel(), bundles: bundles,
                              history: PromotionHistory(models: console.context.models).read(limit: 50),
                              retrain: console.context.retrainStatus())
        return .html(page.render(csrf: console.csrfToken))
    }

    // MARK: actions (JSON)

    struct Reply: Encodable {
        var ok = true
        var message: String
        var pending: Int?
    }

    struct RetrainState: Encodable {
        var phase: String
        var text: String
        var runs: Int
    }

    struct CameraState: Encodable {
        var id: String
        var state: String
        var label: String?
        var score: Double?
        var fps: Double
        var frame: Bool
        var frameVersion: Int64?
    }

    private func api(_ name: String, _ r: HTTPRequest, isPost: Bool, isRead: Bool) -> HTTPResponse {
        switch (name, isPost, isRead) {
        case ("label", true, _), ("mark", true, _), ("undo", true, _), ("labels", true, _), ("tags", true, _):
            guard let lab = console.labelling else {
                return .jsonError(503, "labelling is off in this daemon: \(console.labellingProblem ?? "no label store")")
            }
            return labelling(name, r, lab)
        case ("retrain", true, _):
            return .json(Reply(message: console.context.retrain()))
        case ("retrain", _, true):
            let s = console.context.retrainStatus()
            return .json(RetrainState(phase: s?.phase.rawValue ?? "off", text: ModelsPage.describe(s), runs: s?.runs ?? 0))
        case ("propagate", true, _):
            return .json(Reply(message: console.context.propagate()))
        case ("propagate", _, true):
            let s = console.context.propagateStatus()
            return .json(RetrainState(phase: s?.phase.rawValue ?? "off", text: ReviewPage.describe(s), runs: s?.runs ?? 0))
        case ("rollback", true, _):
            do { return .json(Reply(message: try console.context.rollback())) } catch { return .jsonError(409, "\(error)") }
        case ("cameras", _, true):
            return camerasJSON(r)
        case ("label", false, _), ("mark", false, _), ("undo", false, _), ("labels", false, _), ("tags", false, _),
             ("rollback", false, _):
            return Self.methodNotAllowed
        default:
            return Self.notFound
        }
    }

    /// The label operations (POST): label, mark, undo, create a label, set tags.
    private func labelling(_ name: String, _ r: HTTPRequest, _ lab: OperatorConsole.Labelling) -> HTTPResponse {
        switch name {
        case "label":
            return labelAction(r, lab) { ids in
                guard let label = r.form["label"], !label.isEmpty else { throw ConsoleError("send label=NAME") }
                let a = try lab.store.assign(ids, to: label)
                return "labelled \(a.items.count) as \(label)"
            }
        case "mark":
            return labelAction(r, lab) { ids in
                guard let v = r.form["verdict"].flatMap(ReviewVerdict.init(rawValue:)) else {
                    throw ConsoleError("send verdict=skip or verdict=unsure")
                }
                let a = try lab.store.mark(ids, as: v)
                return "marked \(a.items.count) \(v.rawValue)"
            }
        case "tags":
            // `tags=snow;night` (empty: untag), each checked by `TagLabels.tagProblem`; the frames stay in the queue.
            return labelAction(r, lab) { ids in
                guard let raw = r.form["tags"] else { throw ConsoleError("send tags=TAG1;TAG2 (empty to remove the tags)") }
                guard raw.utf8.count <= TagLabels.maxTagsPerImage * (TagLabels.maxTagLength + 1) * 4 else {
                    throw ConsoleError("tags: at most \(TagLabels.maxTagsPerImage) tags of \(TagLabels.maxTagLength) characters")
                }
                let tags = raw.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let paths = try lab.store.setTags(tags, for: ids)
                return tags.isEmpty ? "removed the tags of \(paths.count) frame(s)"
                    : "tagged \(paths.count) frame(s): \(tags.joined(separator: ", "))"
            }
        case "undo":
            do {
                guard let a = try lab.store.undo() else { return .json(Reply(message: "nothing to undo")) }
                return .json(Reply(message: "undid \(a.kind.rawValue) of \(a.items.count) frame(s)",
                                   pending: lab.queue.pendingCount()))
            } catch { return .jsonError(400, "\(error)") }
        default:
            guard let name = r.form["name"] else { return .jsonError(400, "send name=LABEL") }
            do {
                _ = try lab.store.createLabel(name.trimmingCharacters(in: .whitespaces))
                return .json(Reply(message: "created label \(name)"))
            } catch { return .jsonError(400, "\(error)") }
        }
    }

    /// Parses `ids=1,2,3` (at most 1,000) and runs a label operation, answering with the queue's new size.
    private func labelAction(_ r: HTTPRequest, _ lab: OperatorConsole.Labelling,
                             _ body: ([ReviewItemID]) throws -> String) -> HTTPResponse {
        guard let raw = r.form["ids"], !raw.isEmpty else { return .jsonError(400, "send ids=1,2,3 (review item ids)") }
        let parts = raw.split(separator: ",")
        guard parts.count <= 1000 else { return .jsonError(413, "at most 1,000 frames per request") }
        var ids: [ReviewItemID] = []
        for p in parts {
            guard let n = Int64(p.trimmingCharacters(in: .whitespaces)), n > 0 else {
                return .jsonError(400, "'\(p.prefix(20))' is not a review item id")
            }
            ids.append(ReviewItemID(n))
        }
        do {
            let message = try body(ids)
            return .json(Reply(message: message, pending: lab.queue.pendingCount()))
        } catch { return .jsonError(400, "\(error)") }
    }

    /// States of the cameras named in `ids` (newline-separated, at most 500): the grid's refresh.
    private func camerasJSON(_ r: HTTPRequest) -> HTTPResponse {
        let wanted = (r.query["ids"] ?? "").split(separator: "\n").prefix(500).map(String.init)
        let health = Dictionary(console.context.health().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let views = console.live.views()
        var out: [CameraState] = []
        for id in wanted {
            guard let h = health[id] else { continue }
            let v = views[id]
            out.append(CameraState(id: id, state: h.state.rawValue, label: v?.label, score: v?.score,
                                   fps: v?.framesPerSecond ?? 0, frame: v?.hasJPEG ?? false, frameVersion: v?.frameVersion))
        }
        struct List: Encodable { var cameras: [CameraState] }
        return .json(List(cameras: out))
    }
}
