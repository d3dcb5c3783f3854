/// One command-line option, declared once in its command's `options` table. The parser's sets of valued and
/// boolean names, the short aliases, the synopsis and the help text are all generated from that table, so
/// what a command accepts and what it documents cannot drift apart.
struct OptionSpec: Sendable {
    /// Long name without `--`.
    var name: String
    /// Placeholder of the value (`DIR`, `N`, `crop|letterbox`); nil for a boolean flag.
    var valueName: String?
    /// What the option does (one sentence or a few; wrapped when printed).
    var help: String
    /// The behaviour when the option is absent, printed as `(default …)`; nil when there is nothing to state.
    var defaultValue: String?
    /// Short forms, without the dash (`f` for `-f`); they are accepted with `-` or `--`.
    var aliases: [String] = []
    /// Shown without brackets in the synopsis. The command still checks presence itself, with its own message.
    var required = false
    /// Shown as `…` in the synopsis: each occurrence counts (`values(_:)`).
    var repeatable = false

    var takesValue: Bool { valueName != nil }

    static func value(_ name: String, _ valueName: String, _ help: String, default defaultValue: String? = nil,
                      aliases: [String] = [], required: Bool = false, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help, defaultValue: defaultValue, aliases: aliases,
                   required: required, repeatable: repeatable)
    }

    static func flag(_ name: String, _ help: String, aliases: [String] = []) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help, defaultValue: nil, aliases: aliases)
    }

    /// `-f|--follow`, `--model FILE|DIR`, `-n|--lines N`.
    var spelling: String {
        let names = aliases.map { $0.count == 1 ? "-" + $0 : "--" + $0 } + ["--" + name]
        return names.joined(separator: "|") + (valueName.map { " " + $0 } ?? "")
    }

    /// The synopsis form: `[--top N]`, `--archive DIR`, `[--camera ID]...`.
    var synopsis: String {
        (required ? spelling : "[\(spelling)]") + (repeatable ? "..." : "")
    }
}

/// `camsift <command> --help` (or `-h`): the command prints its help instead of running.
struct HelpRequested: Error {}

/// A small argument reader in the shape of swift-argument-parser (which camsift cannot depend on):
/// `--name value`, `--name=value`, boolean `--flag`, and positionals, with usage errors that name the flag.
/// The accepted names come only from an `OptionSpec` table; `-h`/`--help` throws `HelpRequested`.
struct CommandLineArguments {
    private(set) var positionals: [String] = []
    private var options: [String: [String]] = [:]
    private var flags: Set<String> = []

    init(_ args: [String], options table: [OptionSpec]) throws {
        var valued: Set<String> = []
        var booleans: Set<String> = []
        var aliases: [String: String] = [:]
        for o in table {
            precondition(!valued.contains(o.name) && !booleans.contains(o.name), "option '--\(o.name)' declared twice")
            if o.takesValue { valued.insert(o.name) } else { booleans.insert(o.name) }
            for a in o.aliases { aliases[a] = o.name }
        }
        var i = 0
        var onlyPositionals = false
        while i < args.count {
            let a = args[i]
            i += 1
            if onlyPositionals || !a.hasPrefix("-") || a == "-" {
                positionals.append(a)
                continue
            }
            if a == "--" { onlyPositionals = true; continue }
            var name = a.hasPrefix("--") ? String(a.dropFirst(2)) : String(a.dropFirst())
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if let long = aliases[name] { name = long }
            if booleans.contains(name) {
                guard inlineValue == nil else { throw UsageError("option '--\(name)' takes no value") }
                flags.insert(name)
            } else if valued.contains(name) {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard i < args.count else { throw UsageError("option '--\(name)' needs a value") }
                    value = args[i]
                    i += 1
                }
                options[name, default: []].append(value)
            } else if (name == "help" || name == "h") && inlineValue == nil {
                throw HelpRequested()
            } else {
                throw UsageError("unknown option '\(a)'")
            }
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }
    func value(_ name: String) -> String? { options[name]?.last }
    func values(_ name: String) -> [String] { options[name] ?? [] }

    func double(_ name: String) throws -> Double? {
        guard let v = value(name) else { return nil }
        guard let d = Double(v) else { throw UsageError("option '--\(name)': '\(v)' is not a number") }
        return d
    }

    func int(_ name: String) throws -> Int? {
        guard let v = value(name) else { return nil }
        guard let d = Int(v) else { throw UsageError("option '--\(name)': '\(v)' is not an integer") }
        return d
    }
}

/// A command-line mistake; printed with the command's usage, exit status 64 (EX_USAGE).
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
