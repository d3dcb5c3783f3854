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
        let expected = Dictionary(uniqueKeysWithValues: Mirror(reflecting: defaults).children.compactMap { c in
            c.label.map { ($0, type(of: c.value)) }
        })
        let known = expected.keys.sorted()
        for m in members {
            guard let type = expected[m.key] else {
                let hint = FieldNames.suggestion(for: m.key, among: known).map { "did you mean '\($0)'? Rename it, or remove it" }
                sink.warning(field: m.key, "is not a known config key and is ignored",
                             fix: (hint ?? "remove it") + " (known keys: \(known.joined(separator: ", ")))")
                continue
            }
            checkType(m, type, &sink)
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
        require("inputSize", (32...1024).contains(c.inputSize), "is \(c.inputSize), outside 32...1024",
                "use the model's input size, e.g. 224")
        require("batch", (1...1024).contains(c.batch), "is \(c.batch), outside 1...1024", "use e.g. 16")
        require("maxWaitMs", c.maxWaitMs >= 0, "is negative", "use e.g. 50 (0 sends every frame at once)")
        require("computeThreads", c.computeThreads >= 1, "is \(c.computeThreads); it must be at least 1", "use 1 or more")
        require("decodeThreads", c.decodeThreads >= 1, "is \(c.decodeThreads); it must be at least 1", "use 1 or more")
        for (key, value) in [("logMaxBytes", Double(c.logMaxBytes)), ("archiveEvery", c.archiveEvery),
                             ("archiveMaxBytes", Double(c.archiveMaxBytes)), ("archiveMaxDays", c.archiveMaxDays),
                             ("gateThreshold", c.gateThreshold), ("maxReuse", c.maxReuse)] {
            require(key, value >= 0, "is negative", "use 0 or more (0 means: off / unlimited)")
        }
        require("metrics", c.metrics.isEmpty || isHostPort(c.metrics), "'\(c.metrics)' is not host:port",
                "write e.g. \"127.0.0.1:9464\", or \"\" to disable the endpoint")
        require("shard", c.shard.isEmpty || isShard(c.shard), "'\(c.shard)' is not K/N with 1 ≤ K ≤ N",
                "write e.g. \"1/4\" for the first of four shards, or \"\" to run every camera")
        require("retrainEvery", c.retrainEvery.isEmpty || isDuration(c.retrainEvery), "'\(c.retrainEvery)' is not a duration",
                "write a number with s, m, h or d, e.g. \"24h\", or \"\" to disable")
        require("retrainFineTuneBlocks", (-1...16).contains(c.retrainFineTuneBlocks),
                "is \(c.retrainFineTuneBlocks), outside -1...16 (EfficientNet-Lite0 has 16 blocks)",
                "use -1 (automatic), 0 (level 1: cheapest to serve) or e.g. 2")
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
