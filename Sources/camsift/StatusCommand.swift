#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Pipeline

enum StatusCommand: CamsiftCommand {
    static let name = "status"
    static let abstract = "show daemon status"
    static let options: [OptionSpec] = [
        .configPath("state", "DIR", "the daemon's state directory, which holds camsift.pid and cameras.json",
                    default: CamsiftConfig().state),
        .config("to take \"state\" from"),
        .flag("json", "print one JSON object instead of text"),
    ]

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard a.positionals.isEmpty else { throw UsageError("unexpected argument '\(a.positionals[0])'") }
        let stateDir = try a.configuration(.init(state: a.value("state"))).state
        let probe = PIDFile.probe(PIDFile.path(inStateDirectory: stateDir))
        guard case .running(let pid) = probe else {
            if a.flag("json") {
                Console.out("{\"running\":false,\"state\":\"\(stateDir)\"}\n")
            } else {
                Console.out("camsift: not running (state directory \(stateDir))\n")
            }
            return ExitStatus.unavailable
        }
        let file: DaemonStateFile
        do {
            file = try DaemonStateFile.read(stateDirectory: stateDir)
        } catch {
            Console.out("camsift: running (pid \(pid)), no state written yet — try again in a few seconds\n")
            return ExitStatus.ok
        }
        var byState: [CameraState: Int] = [:]
        for c in file.cameras { byState[c.state, default: 0] += 1 }
        let now = Timestamp.now()
        if a.flag("json") {
            var s = "{\"running\":true,\"pid\":\(pid),\"uptime\":\(Int(now - file.startedAt)),"
            s += "\"registered\":\(file.registered),\"framesPerSecond\":\(file.framesPerSecond),\"states\":{"
            s += CameraState.allCases.map { "\"\($0.rawValue)\":\(byState[$0] ?? 0)" }.joined(separator: ",")
            s += "},\"problems\":\(file.problems.count),\"updatedAgo\":\(Int(now - file.updatedAt))}\n"
            Console.out(s)
            return ExitStatus.ok
        }
        var s = "camsift: running (pid \(pid)), up \(Self.duration(now - file.startedAt))\n"
        s += "cameras:  \(file.registered) registered, "
            + CameraState.allCases.compactMap { st in byState[st].map { "\($0) \(st.rawValue)" } }.joined(separator: ", ")
            + "\n"
        s += "frames:   \(ClassificationLogFormatter.fixed(file.framesPerSecond, 1)) /s\n"
        s += "registry: \(file.problems.count) problem(s)\n"
        for p in file.problems.prefix(10) { s += "  \(p)\n" }
        s += "state:    \(DaemonStateFile.path(inStateDirectory: stateDir)), updated \(Int(now - file.updatedAt)) s ago\n"
        Console.out(s)
        return ExitStatus.ok
    }

    static func duration(_ s: Double) -> String {
        let t = Int(max(0, s))
        if t < 120 { return "\(t) s" }
        if t < 7200 { return "\(t / 60) min" }
        return "\(t / 3600) h \(t % 3600 / 60) min"
    }
}
