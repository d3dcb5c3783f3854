import CamsiftCore

/// Turns the bytes of one registry file into effective cameras and problems. Pure: no I/O, no knowledge
/// of other files (cross-file duplicate ids are `RegistryAssembler`'s job).
///
/// A file is either one camera (`{"id": ..., "kind": ..., "url": ..., "interval": ...}`) or one aggregator
/// (`{"aggregator": NAME, "kind": ..., "urlTemplate": ".../{id}.jpg", "interval": ..., "cameras": [...]}`),
/// told apart by the `aggregator` key.
struct RegistryFileParser {
    var sink: ProblemSink

    struct Result: Sendable {
        var cameras: [Camera]
        var problems: [RegistryProblem]
        var hasErrors: Bool
    }

    static func parse(_ bytes: [UInt8], file: String) -> Result {
        var p = RegistryFileParser(sink: ProblemSink(file: file))
        let cameras = p.parseDocument(bytes)
        return Result(cameras: p.sink.hasErrors ? [] : cameras, problems: p.sink.finish(), hasErrors: p.sink.hasErrors)
    }

    private mutating func parseDocument(_ bytes: [UInt8]) -> [Camera] {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            let (line, column) = JSONText.position(of: error.offset, in: bytes)
            sink.error("invalid JSON at line \(line), column \(column): \(error.message)", fix: error.fix)
            return []
        }
        guard case .object(let members) = root.value else {
            sink.error("the top level is \(root.value.typeDescription), not an object",
                       fix: "a registry file holds one camera {\"id\": ...} or one aggregator {\"aggregator\": ..., \"cameras\": [...]}; "
                           + "put several cameras into an aggregator or into one file each")
            return []
        }
        if members.contains(where: { $0.key == "aggregator" }) {
            return parseAggregator(members)
        }
        return parseCamera(members).map { [$0] } ?? []
    }

    // MARK: one camera per file

    private mutating func parseCamera(_ members: [JSONMember]) -> Camera? {
        let f = readFields(members, known: FieldNames.camera, handled: [], scope: Scope())
        if !f.has("id") {
            sink.error(field: "id", "is missing",
                       fix: "add \"id\": \"a-unique-name\" (letters, digits, '-', '_', '.'; it names the camera's archive directory)")
        }
        requireKindURLInterval(f, scope: Scope(camera: f.id), urlField: "url")
        var urlOK = false
        if let kind = f.kind, let url = f.url { urlOK = checkURL(url, kind: kind, field: "url", camera: f.id) }
        guard urlOK, let id = f.id, let kind = f.kind, let url = f.url, let interval = f.interval else { return nil }
        return makeCamera(id: id, kind: kind, url: url, interval: interval, f, aggregator: nil)
    }

    private mutating func requireKindURLInterval(_ f: CameraFields, scope: Scope, urlField: String) {
        if !f.has("kind") {
            var fix = "add \"kind\": one of " + CameraKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            if let u = f.url, let s = RegistryURL.scheme(of: u), let k = RegistryURL.kinds(accepting: s).first {
                fix = "add \"kind\": \"\(k.rawValue)\" (or another of " + CameraKind.allCases.map(\.rawValue).joined(separator: ", ") + ")"
            }
            sink.error(camera: scope.camera, field: scope.field("kind"), "is missing", fix: fix)
        }
        if !f.has(urlField) {
            sink.error(camera: scope.camera, field: scope.field(urlField), "is missing",
                       fix: "add \"\(urlField)\": \"\(RegistryURL.example(for: f.kind ?? .snapshot))\"")
        }
        if !f.has("interval") {
            sink.error(camera: scope.camera, field: scope.field("interval"), "is missing",
                       fix: "add \"interval\": seconds between sampled frames, e.g. 10")
        }
    }

    /// Reports URL findings; false when one is an error.
    private mutating func checkURL(_ url: String, kind: CameraKind, field: String, camera: String?) -> Bool {
        var ok = true
        for finding in RegistryURL.check(url, kind: kind, field: field) {
            if finding.isError {
                ok = false
                sink.error(camera: camera, field: field, finding.message, fix: finding.fix)
            } else {
                sink.warning(camera: camera, field: field, finding.message, fix: finding.fix)
            }
        }
        return ok
    }

    private func makeCamera(id: String, kind: CameraKind, url: String, interval: Double, _ f: CameraFields,
                            aggregator: String?) -> Camera {
        Camera(id: id, kind: kind, url: url, interval: interval, auth: f.auth, headers: f.headers ?? [:],
               timeout: f.timeout ?? Camera.defaultTimeout, location: f.location, tags: f.tags ?? [],
               enabled: f.enabled ?? true, aggregator: aggregator, region: f.region)
    }

    // MARK: aggregator

    private mutating func parseAggregator(_ members: [JSONMember]) -> [Camera] {
        var name: String?
        var template: String?
        var entries: [JSONNode]?
        for m in members {
            switch m.key {
            case "aggregator":
                name = string(m.node, field: "aggregator", scope: Scope(), example: "\"dot-east\"")
                if name?.isEmpty == true {
                    sink.error(field: "aggregator", "is empty", fix: "name the aggregator, e.g. \"aggregator\": \"dot-east\"")
                    name = nil
                }
            case "urlTemplate":
                template = string(m.node, field: "urlTemplate", scope: Scope(), example: "\"http://host/cams/{id}.jpg\"")
            case "cameras":
                guard case .array(let items) = m.node.value else {
                    sink.error(field: "cameras", "is \(m.node.value.typeDescription), not an array",
                               fix: "write \"cameras\": [{\"id\": \"0001\"}, {\"id\": \"0002\"}]")
                    continue
                }
                entries = items
            default:
                continue
            }
        }
        let defaults = readFields(members, known: FieldNames.aggregator, handled: ["aggregator", "urlTemplate", "cameras"],
                                  scope: Scope())
        if defaults.has("id") {
            sink.error(field: "id", "is set on an aggregator",
                       fix: "give each camera its id inside \"cameras\": [{\"id\": ...}], and remove the top-level \"id\"")
        }
        if defaults.has("url") {
            sink.error(field: "url", "is set on an aggregator",
                       fix: "write \"urlTemplate\" with {id} where the camera id goes, or give a camera its own \"url\" inside \"cameras\"")
        }
        if !defaults.has("cameras") {
            sink.error(field: "cameras", "is missing", fix: "add \"cameras\": [{\"id\": \"0001\"}, ...] listing the aggregator's cameras")
        }
        // The template is checked once here, not once per camera.
        var templateOK = template != nil
        if let template {
            if !template.contains("{id}") {
                sink.error(field: "urlTemplate", "'\(URLRedaction.redact(template))' does not contain {id}",
                           fix: "put {id} where the camera id goes, e.g. \"http://host/cams/{id}.jpg\"")
                templateOK = false
            } else if let kind = defaults.kind {
                templateOK = checkURL(template, kind: kind,
                                      field: "urlTemplate", camera: nil)
            }
        }
        guard let entries else { return [] }
        if entries.isEmpty {
            sink.warning(field: "cameras", "is empty, so this aggregator defines no cameras",
                         fix: "add {\"id\": ...} entries or delete the file")
        }
        let templateParts = template.map(RegistryFileParser.split)
        var cameras: [Camera] = []
        cameras.reserveCapacity(entries.count)
        var seen: [String: Int] = [:]
        seen.reserveCapacity(entries.count)
        var lacking: [String: [String]] = [:]  // field -> entries that lack it with no aggregator default
        for (k, node) in entries.enumerated() {
            guard case .object(let em) = node.value else {
                sink.error(field: "cameras[\(k)]", "is \(node.value.typeDescription), not an object",
                           fix: "write each camera as {\"id\": \"0001\"}")
                continue
            }
            let label = "cameras[\(k)]"
            let e = readFields(em, known: FieldNames.camera, handled: [], scope: Scope(prefix: label + "."))
            if !e.has("id") {
                sink.error(field: "\(label).id", "is missing", fix: "add \"id\": \"...\" to this camera (its {id} in the urlTemplate)")
            }
            let who = e.id ?? label
            if !defaults.has("kind") && !e.has("kind") { lacking["kind", default: []].append(who) }
            if !defaults.has("interval") && !e.has("interval") { lacking["interval", default: []].append(who) }
            if template == nil && !defaults.has("urlTemplate") && !e.has("url") { lacking["urlTemplate", default: []].append(who) }
            guard let id = e.id else { continue }
            if let first = seen[id] {
                sink.error(camera: id, field: "\(label).id", "is listed twice in this aggregator (also cameras[\(first)])",
                           fix: "remove one entry or give it another id")
                continue
            }
            seen[id] = k
            let m = e.overriding(defaults)
            guard let kind = m.kind, let interval = m.interval else { continue }
            let url: String
            if let own = e.url {
                guard checkURL(own, kind: kind, field: "url", camera: id) else { continue }
                url = own
            } else if let templateParts, templateOK {
                url = fill(templateParts, id: id)
                // The template was checked against the aggregator's kind; an entry's own kind needs its own check.
                if e.kind != nil, e.kind != defaults.kind, !checkURL(url, kind: kind, field: "kind", camera: id) { continue }
            } else {
                continue
            }
            cameras.append(makeCamera(id: id, kind: kind, url: url, interval: interval, m, aggregator: name))
        }
        reportLacking(lacking)
        return cameras
    }

    /// The template around its `{id}`s, split once per aggregator rather than once per camera.
    static func split(_ template: String) -> [Substring] {
        var parts: [Substring] = []
        var rest = Substring(template)
        while let r = rest.firstRange(of: "{id}") {
            parts.append(rest[..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        parts.append(rest)
        return parts
    }

    /// The template with every `{id}` replaced by `id` (ids are URL-safe by `CameraID`'s rules).
    private func fill(_ parts: [Substring], id: String) -> String {
        var s = String(parts[0])
        for p in parts.dropFirst() {
            s += id
            s += p
        }
        return s
    }

    /// One message per missing aggregator-level field, however many entries it affects.
    private mutating func reportLacking(_ lacking: [String: [String]]) {
        for field in ["kind", "interval", "urlTemplate"] {
            guard let who = lacking[field], !who.isEmpty else { continue }
            let names = who.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (who.count > 3 ? ", ..." : "")
            let fix: String
            switch field {
            case "kind": fix = "add \"kind\": \"snapshot\" (or mjpeg, rtmp, stream) to the aggregator, or to each camera"
            case "interval": fix = "add \"interval\": seconds between sampled frames (e.g. 60) to the aggregator, or to each camera"
            default: fix = "add \"urlTemplate\": \"http://host/cams/{id}.jpg\" to the aggregator, or a \"url\" to each camera"
            }
            sink.error(field: field, "is missing, and \(who.count) camera(s) do not set their own (\(names))", fix: fix)
        }
    }
}
