import CamsiftCore
import Foundation

/// Reads the daemon config (`/etc/camsift/camsift.json`) into `CamsiftConfig`, with the same kind of
/// messages as registry files: syntax errors with line:column, wrong types and out-of-range values as
/// errors naming the field and the fix, unknown keys as warnings (with a "did you mean").
public enum ConfigFile {
    public static let defaultPath = "/etc/camsift/camsift.json"

    /// Returns the config and its warnings; throws `RegistryError` (`.notFound`, `.io`, or `.invalidConfig`
    /// with every problem in `problems`) when the file cannot be used.
    public static func load(path: String) throws -> (CamsiftConfig, [RegistryProblem]) {
        let bytes: [UInt8]
        switch RegistryFileSystem.read(path) {
        case .failure(let e):
            if e.code == .notFound {
                let fix = "create it ({} uses every default) or pass --config FILE"
                throw RegistryError(code: .notFound, message: "config file does not exist — " + fix, path: path,
                                    problems: [RegistryProblem(file: path, message: "config file does not exist", fix: fix)])
            }
            let fix = e.message.contains("regular file")
                ? "point --config at the JSON config file"
                : "make it readable by the user camsift runs as"
            throw RegistryError(code: e.code, message: e.message + " — " + fix, path: path,
                                problems: [RegistryProblem(file: path, message: e.message, fix: fix)])
        case .success(let (b, _)):
            bytes = b
        }
        var sink = ProblemSink(file: path)
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            let (line, column) = JSONText.position(of: error.offset, in: bytes)
            sink.error("invalid JSON at line \(line), column \(column): \(error.message)", fix: error.fix)
            throw invalid(path, sink)
        }
        guard case .object(let members) = root.value else {
            sink.error("the top level is \(root.value.typeDescription), not an object",
                       fix: "write the config as {\"cameras\": \"/etc/camsift/cameras\", ...} ({} uses every default)")
            throw invalid(path, sink)
        }
        let defaults = CamsiftConfig()
        var expected = Dictionary(uniqueKeysWithValues: Mirror(reflecting: defaults).children.compactMap { c in
            c.label.map { ($0, type(of: c.value)) }
        })
        expected["console"] = String.self  // the listener's key; `metrics` (the property) is its older name
        let known = expected.keys.sorted()
        for m in members {
            guard let type = expected[m.key] else {
                let hint = FieldNames.suggestion(for: m.key, among: known).map { "did you mean '\($0)'? Rename it, or remove it" }
                sink.warning(field: m.key, "is not a known config key and is ignored",
                             fix: (hint ?? "remove it") + " (known keys: \(known.joined(separator: ", ")))")
                continue
            }
            if m.key == "events" { checkEventsShape(m.node, &sink) } else { checkType(m, type, &sink) }
        }
        guard !sink.hasErrors else { throw invalid(path, sink) }
        let config: CamsiftConfig
        do {
            config = try JSONDecoder().decode(CamsiftConfig.self, from: Data(bytes))
        } catch {
            sink.error("cannot be decoded: \(error)", fix: "check the value types against docs (README, \"Config\")")
            throw invalid(path, sink)
        }
        checkValues(config, present: Set(members.map(\.key)), &sink)
        guard !sink.hasErrors else { throw invalid(path, sink) }
        return (config, sink.finish())
    }

    /// The `"cameras"` value of a config file even when the file has other errors, so `camsift validate`
    /// still checks the right registry; `nil` when it cannot be read or has no such string.
    public static func camerasDirectory(inConfigAt path: String) -> String? {
        guard case .success(let (bytes, _)) = RegistryFileSystem.read(path),
              let root = try? JSONParser.parse(bytes), case .object(let members) = root.value,
              case .string(let s)? = members.first(where: { $0.key == "cameras" })?.node.value, !s.isEmpty
        else { return nil }
        return s
    }

    private static func invalid(_ path: String, _ sink: ProblemSink) -> RegistryError {
        let problems = sink.finish()
        let n = problems.filter(\.isError).count
        return RegistryError(code: .invalidConfig,
                             message: "config has \(n) error(s); fix them and reload (or run `camsift validate --config \(path)`)",
                             path: path, problems: problems)
    }

    private static func checkType(_ m: JSONMember, _ type: Any.Type, _ sink: inout ProblemSink) {
        let v = m.node.value
        let ok: Bool
        let want: String
        let example: String
        switch type {
        case is String.Type:
            if case .string = v { ok = true } else { ok = false }
            want = "a string"
            example = "\"\(m.key)\": \"...\""
        case is Int.Type:
            if case .number(let d) = v, d == d.rounded(), abs(d) < 9e15 { ok = true } else { ok = false }
            want = "a whole number"
            example = "\"\(m.key)\": 16"
        case is Double.Type:
            if case .number = v { ok = true } else { ok = false }
            want = "a number"
            example = "\"\(m.key)\": 2.5"
        case is Bool.Type:
            if case .bool = v { ok = true } else { ok = false }
            want = "true or false"
            example = "\"\(m.key)\": true"
        default:
            return
        }
        guard !ok else { return }
        var fix = "write it like \(example)"
        if case .string(let s) = v, type != String.self { fix = "write it without quotes: \"\(m.key)\": \(s)" }
        sink.error(field: m.key, "is \(v.described), not \(want)", fix: fix)
    }

    /// Range and format checks for values whose type is right.
    private static func checkValues(_ c: CamsiftConfig, present: Set<String>, _ sink: inout ProblemSink) {
        func require(_ key: String, _ ok: Bool, _ message: String, _ fix: String) {
            if present.contains(key), !ok { sink.error(field: key, message, fix: fix) }
        }
        for (key, value) in [("cameras", c.cameras), ("log", c.log), ("state", c.state), ("archive", c.archive), ("models", c.models)] {
            require(key, !value.isEmpty, "is empty", "set it to a path, or remove it to use the default")
        }
        require("fit", FitMode(rawValue: c.fit) != nil, "'\(c.fit)' is not a fit mode",
                "use " + FitMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or "))
        let limits = CamsiftConfig.Limits.self
        require("inputSize", limits.inputSize.contains(c.inputSize), "is \(c.inputSize), outside \(limits.inputSize)",
                "use the model's input size, e.g. 224")
        require("batch", limits.batch.contains(c.batch), "is \(c.batch), outside \(limits.batch)", "use e.g. 16")
        require("maxWaitMs", limits.maxWaitMs.contains(c.maxWaitMs), "is negative", "use e.g. 50 (0 sends every frame at once)")
        require("computeThreads", limits.computeThreads.contains(c.computeThreads),
                "is \(c.computeThreads); it must be at least \(limits.computeThreads.lowerBound)", "use 1 or more")
        require("windowStride", limits.windowStride.contains(c.windowStride),
                "is \(c.windowStride), outside \(limits.windowStride)", "use e.g. 10 (a window event every 10 frames)")
        require("decodeThreads", limits.decodeThreads.contains(c.decodeThreads),
                "is \(c.decodeThreads), outside \(limits.decodeThreads)", "use 1 or more, at most one per core")
        for (key, value) in [("logMaxBytes", Double(c.logMaxBytes)), ("archiveEvery", c.archiveEvery),
                             ("archiveMaxBytes", Double(c.archiveMaxBytes)), ("archiveMaxDays", c.archiveMaxDays),
                             ("gateThreshold", c.gateThreshold), ("maxReuse", c.maxReuse)] {
            require(key, value >= 0, "is negative", "use 0 or more (0 means: off / unlimited)")
        }
        let listenerKey = present.contains("console") ? "console" : "metrics"
        require(listenerKey, c.metrics.isEmpty || isHostPort(c.metrics), "'\(c.metrics)' is not host:port",
                "write e.g. \"127.0.0.1:9464\", or \"\" to disable the console and /metrics")
        if present.contains("console"), present.contains("metrics") {
            sink.error(field: "metrics", "is the older name of \"console\" (one listener serves both)",
                       fix: "remove \"metrics\" and keep \"console\"")
        }
        let r = c.review
        for (key, ok, range) in [("scoreBelow", (0...1.01).contains(r.scoreBelow), "0–1 (1.01 queues every frame)"),
                                 ("randomRate", (0...1).contains(r.randomRate), "0–1"),
                                 ("historyLength", (1...1000).contains(r.historyLength), "1–1000"),
                                 ("perCameraPerHour", r.perCameraPerHour >= 0, "0 or more"),
                                 ("perHour", r.perHour >= 0, "0 or more"),
                                 ("maxPending", r.maxPending >= 0, "0 or more"),
                                 ("expireDays", r.expireDays > 0, "more than 0")] {
            require("review", ok, "field \"\(key)\" is out of range", "use \(range) for review.\(key)")
        }
        require("shard", c.shard.isEmpty || isShard(c.shard), "'\(c.shard)' is not K/N with 1 ≤ K ≤ N",
                "write e.g. \"1/4\" for the first of four shards, or \"\" to run every camera")
        require("retrainEvery", c.retrainEvery.isEmpty || isDuration(c.retrainEvery), "'\(c.retrainEvery)' is not a duration",
                "write a number with s, m, h or d, e.g. \"24h\", or \"\" to disable")
        require("propagateAfterLabels", c.propagateAfterLabels.isEmpty || isDuration(c.propagateAfterLabels),
                "'\(c.propagateAfterLabels)' is not a duration",
                "write a number with s, m, h or d, e.g. \"10m\", or \"\" to disable")
        require("retrainFineTuneBlocks", limits.retrainFineTuneBlocks.contains(c.retrainFineTuneBlocks),
                "is \(c.retrainFineTuneBlocks), outside \(limits.retrainFineTuneBlocks) (EfficientNet-Lite0 has 16 blocks)",
                "use -1 (automatic), 0 (level 1: cheapest to serve) or e.g. 2")
        if let events = c.events { checkEvents(events, &sink) }
    }

    /// `events` values (its types were checked by `checkEventsShape`).
    private static func checkEvents(_ e: EventsConfig, _ sink: inout ProblemSink) {
        let limits = EventsConfig.Limits.self
        if !limits.confirm.contains(e.confirm) {
            sink.error(field: "events.confirm", "is \(e.confirm), outside \(limits.confirm)",
                       fix: "use e.g. 3 (frames that must agree on a new label; 1 publishes every change at once)")
        }
        if let m = e.mqtt {
            if case .failure(let p) = m.endpoint() {
                sink.error(field: "events.mqtt.url", "'\(URLRedaction.redact(m.url))' \(p.message)", fix: p.fix)
            }
            if let p = m.topicPrefixProblem {
                sink.error(field: "events.mqtt.topicPrefix", "'\(m.topicPrefix)' \(p)",
                           fix: "write e.g. \"camsift\" (topics are <topicPrefix>/<camera>/label)")
            }
        }
        for (i, w) in e.webhooks.enumerated() {
            if let p = w.urlProblem {
                sink.error(field: "events.webhooks[\(i)].url", w.url.isEmpty ? "is missing or empty" : "'\(URLRedaction.redact(w.url))' \(p)",
                           fix: "write e.g. \"http://127.0.0.1:8080/camsift\" (http:// or https://)")
            }
            if !limits.webhookTimeout.contains(w.timeout) {
                sink.error(field: "events.webhooks[\(i)].timeout", "is \(JSONValue.format(w.timeout)), not more than 0 and at most \(JSONValue.format(limits.webhookTimeout.upperBound))",
                           fix: "use seconds per attempt, e.g. 5")
            }
        }
    }

    /// Types and unknown keys inside `events`, with dotted field names (`events.mqtt.url`).
    private static func checkEventsShape(_ node: JSONNode, _ sink: inout ProblemSink) {
        enum Kind { case string, bool, whole, number, object, array }
        func check(_ field: String, _ node: JSONNode, _ kind: Kind, _ example: String) -> Bool {
            let v = node.value
            let ok: Bool
            let want: String
            switch kind {
            case .string: if case .string = v { ok = true } else { ok = false }; want = "a string"
            case .bool: if case .bool = v { ok = true } else { ok = false }; want = "true or false"
            case .whole: if case .number(let d) = v, d == d.rounded(), abs(d) < 9e15 { ok = true } else { ok = false }; want = "a whole number"
            case .number: if case .number = v { ok = true } else { ok = false }; want = "a number"
            case .object: if case .object = v { ok = true } else { ok = false }; want = "an object"
            case .array: if case .array = v { ok = true } else { ok = false }; want = "an array"
            }
            if !ok { sink.error(field: field, "is \(v.described), not \(want)", fix: "write it like \(example)") }
            return ok
        }
        func members(_ field: String, _ node: JSONNode, _ schema: [(String, Kind, String)]) -> [JSONMember] {
            guard case .object(let ms) = node.value else { return [] }
            let known = schema.map(\.0)
            var valid: [JSONMember] = []
            for m in ms {
                guard let (_, kind, example) = schema.first(where: { $0.0 == m.key }) else {
                    let hint = FieldNames.suggestion(for: m.key, among: known).map { "did you mean '\($0)'? Rename it, or remove it" }
                    sink.warning(field: "\(field).\(m.key)", "is not a known key and is ignored",
                                 fix: (hint ?? "remove it") + " (known keys: \(known.joined(separator: ", ")))")
                    continue
                }
                if check("\(field).\(m.key)", m.node, kind, example) { valid.append(m) }
            }
            return valid
        }
        guard check("events", node, .object, "\"events\": {\"mqtt\": {\"url\": \"mqtt://127.0.0.1:1883\"}}") else { return }
        let top = members("events", node, [
            ("mqtt", .object, "\"mqtt\": {\"url\": \"mqtt://127.0.0.1:1883\"}"),
            ("webhooks", .array, "\"webhooks\": [{\"url\": \"http://127.0.0.1:8080/hook\"}]"),
            ("confirm", .whole, "\"confirm\": 3"),
        ])
        for m in top {
            switch m.key {
            case "mqtt":
                _ = members("events.mqtt", m.node, [
                    ("url", .string, "\"url\": \"mqtt://127.0.0.1:1883\""),
                    ("usernameFile", .string, "\"usernameFile\": \"/etc/camsift/mqtt-user\""),
                    ("passwordFile", .string, "\"passwordFile\": \"/etc/camsift/mqtt-password\""),
                    ("topicPrefix", .string, "\"topicPrefix\": \"camsift\""),
                    ("homeAssistant", .bool, "\"homeAssistant\": true"),
                ])
            case "webhooks":
                guard case .array(let items) = m.node.value else { continue }
                for (i, item) in items.enumerated() {
                    let field = "events.webhooks[\(i)]"
                    guard check(field, item, .object, "{\"url\": \"http://127.0.0.1:8080/hook\", \"timeout\": 5}") else { continue }
                    _ = members(field, item, [
                        ("url", .string, "\"url\": \"http://127.0.0.1:8080/hook\""),
                        ("timeout", .number, "\"timeout\": 5"),
                    ])
                }
            default:
                break
            }
        }
    }

    /// Port 0 is allowed: the kernel picks a free port, which the daemon logs (tests and side-by-side shards).
    static func isHostPort(_ s: String) -> Bool {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]) else { return false }
        return colon != s.startIndex && (0...65535).contains(port)
    }

    static func isShard(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else { return false }
        return k >= 1 && k <= n
    }

    static func isDuration(_ s: String) -> Bool {
        guard let unit = s.last, "smhd".contains(unit), let n = Double(s.dropLast()) else { return false }
        return n > 0
    }
}
