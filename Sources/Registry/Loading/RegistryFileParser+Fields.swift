import CamsiftCore

/// Typed readers for the camera fields of one JSON object. Each reports a wrong value once, naming the
/// field and what to write instead, and returns `nil` for it.
extension RegistryFileParser {
    /// Where the fields being read sit, for messages: `camera` when the id is known, else a field prefix
    /// such as `cameras[3].`.
    struct Scope {
        var camera: String?
        var prefix: String = ""
        func field(_ name: String) -> String { prefix + name }
    }

    /// Reads the camera fields of `members`; unknown keys (not in `known` and not consumed by the caller,
    /// listed in `handled`) are warnings with a suggestion.
    mutating func readFields(_ members: [JSONMember], known: [String], handled: Set<String>, scope: Scope) -> CameraFields {
        var f = CameraFields()
        var scope = scope
        if let m = members.first(where: { $0.key == "id" }) {
            f.present.insert("id")
            if let s = string(m.node, field: scope.field("id"), scope: scope, example: "\"lobby-1\"") {
                if let why = CameraID.problem(s) {
                    // Later messages still name the camera as written, so they can be found in the file.
                    if !s.isEmpty {
                        scope.camera = s
                        scope.prefix = ""
                    }
                    sink.error(camera: scope.camera, field: scope.field("id"), why,
                               fix: "use only letters, digits, '-', '_' and '.', not starting with '.' or '-', at most "
                                   + "\(CameraID.maxLength) bytes (ids become archive directory names)")
                } else {
                    f.id = s
                    scope.camera = s
                    scope.prefix = ""
                }
            }
        }
        for m in members {
            let key = m.key
            let field = scope.field(key)
            f.present.insert(key)
            switch key {
            case "id":
                continue
            case "kind":
                guard let s = string(m.node, field: field, scope: scope, example: "\"snapshot\"") else { continue }
                if let k = CameraKind(rawValue: s) {
                    f.kind = k
                } else {
                    let lower = CameraKind(rawValue: s.lowercased())
                    let byScheme = RegistryURL.kinds(accepting: s.lowercased())
                    var fix = "use one of " + CameraKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                    if let lower { fix = "write \"\(lower.rawValue)\" in lower case" }
                    else if let k = byScheme.last { fix += " (\(s) URLs use \"\(k.rawValue)\")" }
                    sink.error(camera: scope.camera, field: field, "'\(s)' is not a camera kind", fix: fix)
                }
            case "url":
                f.url = string(m.node, field: field, scope: scope, example: "\"http://192.0.2.10/snapshot.jpg\"")
            case "interval":
                f.interval = positiveNumber(m.node, field: field, scope: scope,
                                            meaning: "the seconds between sampled frames, e.g. 10 (fractions like 0.5 are allowed)")
            case "timeout":
                f.timeout = positiveNumber(m.node, field: field, scope: scope,
                                           meaning: "the seconds to wait for a response or a stalled stream, e.g. 10")
            case "enabled":
                f.enabled = bool(m.node, field: field, scope: scope)
            case "tags":
                f.tags = tags(m.node, field: field, scope: scope)
            case "headers":
                f.headers = headers(m.node, field: field, scope: scope)
            case "auth":
                f.auth = auth(m.node, field: field, scope: scope)
            case "location":
                f.location = location(m.node, field: field, scope: scope)
            case "region":
                f.region = region(m.node, field: field, scope: scope)
            case "password", "pass", "pwd":
                sink.error(camera: scope.camera, field: field, "inline passwords are not allowed",
                           fix: "put the password in a file only camsift can read and write \"auth\": {\"user\": \"NAME\", \"passwordFile\": \"/etc/camsift/secrets/NAME\"}")
            default:
                if handled.contains(key) || known.contains(key) { continue }
                unknownField(key, known: known, field: field, scope: scope)
            }
        }
        return f
    }

    mutating func unknownField(_ key: String, known: [String], field: String, scope: Scope) {
        var fix = "remove it"
        if let s = FieldNames.suggestion(for: key, among: known) {
            fix = "did you mean '\(s)'? Rename it, or remove it"
        }
        sink.warning(camera: scope.camera, field: field, "is not a known field and is ignored",
                     fix: fix + " (known fields: \(FieldNames.list(known)))")
    }

    mutating func string(_ node: JSONNode, field: String, scope: Scope, example: String) -> String? {
        if case .string(let s) = node.value { return s }
        let bare = field.split(separator: ".").last.map(String.init) ?? field
        sink.error(camera: scope.camera, field: field, "is \(node.value.described), not a string",
                   fix: "write it in double quotes: \"\(bare)\": \(example)")
        return nil
    }

    mutating func positiveNumber(_ node: JSONNode, field: String, scope: Scope, meaning: String) -> Double? {
        let bare = field.split(separator: ".").last.map(String.init) ?? field
        switch node.value {
        case .number(let d) where d > 0:
            return d
        case .number(let d):
            sink.error(camera: scope.camera, field: field, "is \(JSONValue.format(d)); it must be more than 0",
                       fix: "set \"\(bare)\" to \(meaning)")
        case .string(let s) where Double(s) != nil:
            sink.error(camera: scope.camera, field: field, "is a string (\"\(s)\"), not a number",
                       fix: "write it without quotes: \"\(bare)\": \(s)")
        default:
            sink.error(camera: scope.camera, field: field, "is \(node.value.described), not a number",
                       fix: "set \"\(bare)\" to \(meaning)")
        }
        return nil
    }

    mutating func bool(_ node: JSONNode, field: String, scope: Scope) -> Bool? {
        if case .bool(let b) = node.value { return b }
        let bare = field.split(separator: ".").last.map(String.init) ?? field
        if case .string(let s) = node.value, s == "true" || s == "false" {
            sink.error(camera: scope.camera, field: field, "is a string (\"\(s)\"), not a boolean",
                       fix: "write it without quotes: \"\(bare)\": \(s)")
        } else {
            sink.error(camera: scope.camera, field: field, "is \(node.value.described), not a boolean",
                       fix: "write \"\(bare)\": true or \"\(bare)\": false")
        }
        return nil
    }

    mutating func tags(_ node: JSONNode, field: String, scope: Scope) -> [String]? {
        guard case .array(let items) = node.value else {
            if case .string(let s) = node.value {
                sink.error(camera: scope.camera, field: field, "is a string, not an array of strings",
                           fix: "write \"tags\": [\"\(s)\"]")
            } else {
                sink.error(camera: scope.camera, field: field, "is \(node.value.typeDescription), not an array of strings",
                           fix: "write \"tags\": [\"outdoor\", \"traffic\"]")
            }
            return nil
        }
        var out: [String] = []
        for (k, item) in items.enumerated() {
            guard case .string(let s) = item.value else {
                sink.error(camera: scope.camera, field: "\(field)[\(k)]", "is \(item.value.described), not a string",
                           fix: "quote it: \"tags\": [\"outdoor\", ...]")
                return nil
            }
            out.append(s)
        }
        return out
    }

    mutating func headers(_ node: JSONNode, field: String, scope: Scope) -> [String: String]? {
        guard case .object(let members) = node.value else {
            sink.error(camera: scope.camera, field: field, "is \(node.value.typeDescription), not an object of header names to values",
                       fix: "write \"headers\": {\"User-Agent\": \"camsift\"}")
            return nil
        }
        var out: [String: String] = [:]
        var ok = true
        for m in members {
            let hf = "\(field).\(m.key)"
            if m.key.isEmpty || !m.key.utf8.allSatisfy(RegistryFileParser.isTokenByte) {
                sink.error(camera: scope.camera, field: hf, "is not a valid HTTP header name",
                           fix: "use letters, digits and '-' only, e.g. \"X-Api-Key\"")
                ok = false
                continue
            }
            guard case .string(let v) = m.node.value else {
                sink.error(camera: scope.camera, field: hf, "is \(m.node.value.typeDescription), not a string",
                           fix: "quote the header value: \"\(m.key)\": \"...\"")
                ok = false
                continue
            }
            if v.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                sink.error(camera: scope.camera, field: hf, "contains a line break or NUL (header injection)",
                           fix: "remove the line break; one header per field")
                ok = false
                continue
            }
            out[m.key] = v
        }
        return ok ? out : nil
    }

    /// RFC 9110 §5.6.2 `tchar`.
    static func isTokenByte(_ b: UInt8) -> Bool {
        if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) { return true }
        return "!#$%&'*+-.^_`|~".utf8.contains(b)
    }

    mutating func auth(_ node: JSONNode, field: String, scope: Scope) -> Camera.Auth? {
        guard case .object(let members) = node.value else {
            sink.error(camera: scope.camera, field: field, "is \(node.value.typeDescription), not an object",
                       fix: "write \"auth\": {\"user\": \"NAME\", \"passwordFile\": \"/etc/camsift/secrets/NAME\"}")
            return nil
        }
        var user: String?
        var passwordFile: String?
        var ok = true
        for m in members {
            let sub = "\(field).\(m.key)"
            switch m.key {
            case "user":
                user = string(m.node, field: sub, scope: scope, example: "\"viewer\"")
                if user == nil { ok = false }
            case "passwordFile":
                passwordFile = string(m.node, field: sub, scope: scope, example: "\"/etc/camsift/secrets/NAME\"")
                if let p = passwordFile, p.isEmpty {
                    sink.error(camera: scope.camera, field: sub, "is empty",
                               fix: "set it to the path of a file holding only the password, e.g. /etc/camsift/secrets/NAME")
                    passwordFile = nil
                }
                if passwordFile == nil { ok = false }
            case "password", "pass", "pwd":
                sink.error(camera: scope.camera, field: sub, "inline passwords are not allowed in registry files",
                           fix: "write the password to a file only camsift can read (chmod 600) and replace \"\(m.key)\" with \"passwordFile\": \"/etc/camsift/secrets/NAME\"")
                ok = false
            default:
                unknownField(m.key, known: FieldNames.auth, field: sub, scope: scope)
            }
        }
        guard ok else { return nil }
        guard let user else {
            sink.error(camera: scope.camera, field: "\(field).user", "is missing",
                       fix: "add \"user\": \"NAME\" to \"auth\" (or remove \"auth\" for cameras without login)")
            return nil
        }
        guard let passwordFile else {
            sink.error(camera: scope.camera, field: "\(field).passwordFile", "is missing",
                       fix: "add \"passwordFile\": \"/etc/camsift/secrets/NAME\" (a file holding only the password)")
            return nil
        }
        return Camera.Auth(user: user, passwordFile: passwordFile)
    }

    mutating func location(_ node: JSONNode, field: String, scope: Scope) -> Camera.Location? {
        guard case .object(let members) = node.value else {
            sink.error(camera: scope.camera, field: field, "is \(node.value.typeDescription), not an object",
                       fix: "write \"location\": {\"lat\": 52.52, \"lon\": 13.40, \"name\": \"Main St\"}")
            return nil
        }
        var loc = Camera.Location()
        var ok = true
        for m in members {
            let sub = "\(field).\(m.key)"
            switch m.key {
            case "lat", "lon":
                let limit: Double = m.key == "lat" ? 90 : 180
                guard case .number(let d) = m.node.value else {
                    sink.error(camera: scope.camera, field: sub, "is \(m.node.value.described), not a number",
                               fix: "write decimal degrees without quotes, e.g. \"\(m.key)\": \(m.key == "lat" ? "52.52" : "13.40")")
                    ok = false
                    continue
                }
                guard abs(d) <= limit else {
                    sink.error(camera: scope.camera, field: sub, "is \(JSONValue.format(d)), outside -\(Int(limit))...\(Int(limit))",
                               fix: m.key == "lat" ? "latitude is -90 to 90 (did you swap lat and lon?)" : "longitude is -180 to 180")
                    ok = false
                    continue
                }
                if m.key == "lat" { loc.lat = d } else { loc.lon = d }
            case "name":
                loc.name = string(m.node, field: sub, scope: scope, example: "\"Main St / 5th Ave\"")
                if loc.name == nil { ok = false }
            default:
                unknownField(m.key, known: FieldNames.location, field: sub, scope: scope)
            }
        }
        return ok ? loc : nil
    }

    /// `"region": {"x": 0.1, "y": 0.4, "w": 0.5, "h": 0.5}`: all four fractions of the frame, each in 0...1,
    /// w and h at least `Region.minimumSize`, inside the frame (x + w ≤ 1, y + h ≤ 1).
    mutating func region(_ node: JSONNode, field: String, scope: Scope) -> Region? {
        let example = "\"region\": {\"x\": 0.1, \"y\": 0.4, \"w\": 0.5, \"h\": 0.5} (fractions of the frame: left, top, width, height)"
        guard case .object(let members) = node.value else {
            sink.error(camera: scope.camera, field: field, "is \(node.value.typeDescription), not an object",
                       fix: "write " + example)
            return nil
        }
        var values: [String: Double] = [:]
        var ok = true
        for m in members {
            let sub = "\(field).\(m.key)"
            guard FieldNames.region.contains(m.key) else {
                unknownField(m.key, known: FieldNames.region, field: sub, scope: scope)
                continue
            }
            switch m.node.value {
            case .number(let d):
                values[m.key] = d
            case .string(let s) where Double(s) != nil:
                sink.error(camera: scope.camera, field: sub, "is a string (\"\(s)\"), not a number",
                           fix: "write it without quotes: \"\(m.key)\": \(s)")
                ok = false
            default:
                sink.error(camera: scope.camera, field: sub, "is \(m.node.value.described), not a number",
                           fix: "set \"\(m.key)\" to a fraction of the frame between 0 and 1, e.g. 0.5 (not pixels)")
                ok = false
            }
        }
        for key in FieldNames.region where values[key] == nil && !members.contains(where: { $0.key == key }) {
            sink.error(camera: scope.camera, field: "\(field).\(key)", "is missing",
                       fix: "give all four of x, y, w, h: " + example)
            ok = false
        }
        guard ok, let x = values["x"], let y = values["y"], let w = values["w"], let h = values["h"] else { return nil }
        let r = Region(x: x, y: y, w: w, h: h)
        let problems = r.problems
        for p in problems {
            let fix: String
            switch p.field {
            case "x", "y":
                fix = "set \"\(p.field)\" to a fraction of the frame between 0 and 1 (0 = \(p.field == "x" ? "left" : "top") edge), not pixels"
            default:
                let start = p.field == "w" ? x : y
                let room = max(0, 1 - start)
                if p.problem.contains("past the") {
                    fix = "lower \"\(p.field)\" to at most \(JSONValue.format(room)) or move \"\(p.field == "w" ? "x" : "y")\" "
                        + "so the region stays inside the frame"
                } else {
                    fix = "set \"\(p.field)\" between \(JSONValue.format(Region.minimumSize)) and 1 (a fraction of the frame, not pixels)"
                }
            }
            sink.error(camera: scope.camera, field: "\(field).\(p.field)", p.problem, fix: fix)
        }
        return problems.isEmpty ? r : nil
    }
}
