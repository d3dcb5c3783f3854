#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Pipeline

enum TailCommand: CamsiftCommand {
    static let name = "tail"
    static let abstract = "print the classification log"
    static let usage = "[--camera ID]... [--label L] [--min-score S] [-n N] [-f|--follow] [--json] [--log FILE] "
        + "[--config FILE]"

    /// How often `--follow` looks for new lines. Polling (not inotify) also survives the log's directory
    /// being replaced, and 4 reads a second cost nothing.
    static let pollInterval: Duration = .milliseconds(250)

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try CommandLineArguments(
            args, valued: ["camera", "label", "min-score", "log", "config", "n", "lines"],
            booleans: ["follow", "json"], aliases: ["f": "follow"])
        guard a.positionals.isEmpty else { throw UsageError("unexpected argument '\(a.positionals[0])'") }
        let count = try a.int("n") ?? a.int("lines") ?? 10
        guard count >= 0 else { throw UsageError("option '-n' must be 0 or more") }
        let minScore = try a.double("min-score")
        if let s = minScore, !(0...1).contains(s) { throw UsageError("option '--min-score' must be within 0…1") }
        let path: String
        if let p = a.value("log") {
            path = p
        } else {
            do {
                path = try DaemonConfiguration.resolve(configPath: a.value("config")).config.log
            } catch {
                Console.error("camsift tail: \(error)")
                return ExitStatus.config
            }
        }
        let filter = ClassificationLogFilter(cameras: Set(a.values("camera")), label: a.value("label"), minScore: minScore)
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
