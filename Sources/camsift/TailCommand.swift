#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Pipeline

enum TailCommand: CamsiftCommand {
    static let name = "tail"
    static let abstract = "print the classification log"
    static let defaultLines = 10
    static let options: [OptionSpec] = [
        .value("camera", "ID", "only records of this camera (repeat it for several)", default: "every camera",
               repeatable: true),
        .value("label", "L", "only records whose top label is L (case-insensitive)"),
        .value("min-score", "S", "only records whose top score is at least S (0…1)"),
        .value("tag", "T", "only records tagged T (case-insensitive; needs a tags model)"),
        .value("kind", "K", "only per-frame records (frame) or only window events (window)", default: "both"),
        .value("lines", "N", "print the last N matching records first (0 or more)", default: "\(defaultLines)",
               aliases: ["n"]),
        .flag("follow", "keep printing records as the daemon appends them (Ctrl-C stops)", aliases: ["f"]),
        .flag("json", "print the log's JSON lines unchanged instead of the table"),
        .configPath("log", "FILE", "the classification log", default: CamsiftConfig().log),
        .config("to take \"log\" from"),
    ]

    /// How often `--follow` looks for new lines. Polling (not inotify) also survives the log's directory
    /// being replaced, and 4 reads a second cost nothing.
    static let pollInterval: Duration = .milliseconds(250)

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard a.positionals.isEmpty else { throw UsageError("unexpected argument '\(a.positionals[0])'") }
        let count = try a.int("lines") ?? defaultLines
        guard count >= 0 else { throw UsageError("option '-n' must be 0 or more") }
        let minScore = try a.double("min-score")
        if let s = minScore, !(0...1).contains(s) { throw UsageError("option '--min-score' must be within 0…1") }
        let path = try a.value("log") ?? a.configuration().log
        var kind: ClassificationLogFilter.Kind?
        if let k = a.value("kind") {
            guard let parsed = ClassificationLogFilter.Kind(rawValue: k.lowercased()) else {
                throw UsageError("option '--kind' must be frame or window, got '\(k)'")
            }
            kind = parsed
        }
        let filter = ClassificationLogFilter(cameras: Set(a.values("camera")), label: a.value("label"), minScore: minScore,
                                             kind: kind, tag: a.value("tag"))
        let json = a.flag("json")
        let follow = a.flag("follow")

        let reader = ClassificationLogReader(path: path)
        let initial = reader.last(count, where: filter.matches)
        if !reader.isOpen && !follow {
            Console.error("camsift tail: cannot open the log '\(path)' — pass --log FILE, or check \"log\" in the "
                + "config; the daemon creates it when it starts")
            return ExitStatus.noInput
        }
        let formatter = ClassificationLogFormatter(fitting: initial.map(\.record))
        var out = ""
        if !json { out += formatter.header + "\n" }
        for e in initial { out += (json ? e.raw : formatter.format(e.record)) + "\n" }
        Console.out(out)
        var skipped = reader.skipped
        while follow {
            try await Task.sleep(for: pollInterval)
            var chunk = ""
            for e in reader.readAvailable() where filter.matches(e.record) {
                chunk += (json ? e.raw : formatter.format(e.record)) + "\n"
            }
            if !chunk.isEmpty { Console.out(chunk) }
            if reader.skipped > skipped {
                Console.error("camsift tail: skipped \(reader.skipped - skipped) unreadable line(s) in '\(path)'")
                skipped = reader.skipped
            }
        }
        if skipped > 0 { Console.error("camsift tail: skipped \(skipped) unreadable line(s) in '\(path)'") }
        return ExitStatus.ok
    }
}
