
/// One `camsift` subcommand. Each lives in its own file as `<Name>Command.swift` and declares its options
/// once, in `options`: parsing (`parse`), the synopsis (`usage`) and the help text (`help`) are derived from it.
protocol CamsiftCommand {
    static var name: String { get }
    static var abstract: String { get }
    /// The positional arguments in the synopsis, e.g. `IMAGE.jpg...` or `[PATH ...]`; empty when there are none.
    static var arguments: String { get }
    /// One line of help per positional argument: (name, help).
    static var argumentHelp: [(name: String, help: String)] { get }
    static var options: [OptionSpec] { get }
    /// Runs the command; returns the process exit status.
    static func run(_ args: [String]) async throws -> Int32
}

extension CamsiftCommand {
    static var arguments: String { "" }
    static var argumentHelp: [(name: String, help: String)] { [] }

    /// Reads `args` with this command's option table.
    static func parse(_ args: [String]) throws -> CommandLineArguments {
        try CommandLineArguments(args, options: options)
    }

    /// Everything after `usage: camsift NAME ` in the synopsis, wrapped under its first word.
    static var usage: String {
        let words = (arguments.isEmpty ? [] : [arguments]) + options.map(\.synopsis)
        let indent = "usage: camsift \(name) ".count
        return HelpText.wrap(words, width: HelpText.width - indent, indent: indent)
    }

    /// `camsift NAME --help` / `camsift help NAME`: synopsis, abstract, then every argument and option with
    /// its help and default.
    static var help: String {
        var rows: [(String, String)] = argumentHelp.map { ($0.name, $0.help) }
        for o in options {
            rows.append((o.listing, o.help + (o.defaultValue.map { " (default: \($0))" } ?? "")))
        }
        var s = "usage: camsift \(name) \(usage)\n\n\(abstract)\n"
        if !rows.isEmpty {
            s += "\n"
            // The help column fits the names up to 24 characters; a longer one gets a line of its own.
            let column = (rows.map(\.0.count).filter { $0 <= 24 }.max() ?? 0) + 4
            for (left, text) in rows {
                let lead = "  " + left
                let words = text.split(separator: " ").map(String.init)
                let body = HelpText.wrap(words, width: HelpText.width - column, indent: column)
                if lead.count + 2 <= column {
                    s += lead + String(repeating: " ", count: column - lead.count) + body + "\n"
                } else {
                    s += lead + "\n" + String(repeating: " ", count: column) + body + "\n"
                }
            }
        }
        return s
    }
}

extension OptionSpec {
    /// The help table's form: `-f, --follow`, `--model FILE|DIR`.
    var listing: String {
        (aliases.map { $0.count == 1 ? "-" + $0 : "--" + $0 } + ["--" + name]).joined(separator: ", ")
            + (valueName.map { " " + $0 } ?? "")
    }
}

enum HelpText {
    static let width = 100

    /// Joins `words` with spaces into lines of at most `width` columns (a longer word gets a line of its own);
    /// continuation lines are indented by `indent` spaces.
    static func wrap(_ words: [String], width: Int, indent: Int) -> String {
        var lines: [String] = []
        var line = ""
        for w in words {
            if line.isEmpty {
                line = w
            } else if line.count + 1 + w.count <= width {
                line += " " + w
            } else {
                lines.append(line)
                line = w
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n" + String(repeating: " ", count: indent))
    }
}
