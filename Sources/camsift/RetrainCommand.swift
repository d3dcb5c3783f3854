#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Pipeline

enum RetrainCommand: CamsiftCommand {
    static let name = "retrain"
    static let abstract = "ask the running daemon to retrain (SIGUSR1)"
    static let options: [OptionSpec] = [
        .configPath("state", "DIR", "the running daemon's state directory, which holds camsift.pid",
                    default: CamsiftConfig().state),
        .config("to take \"state\" from"),
    ]

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard a.positionals.isEmpty else { throw UsageError("unexpected argument '\(a.positionals[0])'") }
        let stateDir = try a.configuration(.init(state: a.value("state"))).state
        let pidPath = PIDFile.path(inStateDirectory: stateDir)
        switch PIDFile.probe(pidPath) {
        case .absent:
            Console.error("camsift retrain: no camsift daemon runs with the state directory '\(stateDir)' (no "
                + "'\(pidPath)') — start it with `camsift run` (or systemctl start camsift), or pass its --state DIR")
            return ExitStatus.unavailable
        case .stale(let pid):
            Console.error("camsift retrain: '\(pidPath)' is stale (pid \(pid.map(String.init) ?? "?") no longer runs "
                + "camsift) — the daemon is not running; start it first")
            return ExitStatus.unavailable
        case .running(let pid):
            guard kill(pid, SIGUSR1) == 0 else {
                let e = errno
                Console.error("camsift retrain: cannot signal pid \(pid): \(String(cString: strerror(e)))"
                    + (e == EPERM ? " — run as the daemon's user or root" : ""))
                return ExitStatus.failure
            }
            Console.out("retrain requested from camsift daemon (pid \(pid))\n")
            return ExitStatus.ok
        }
    }
}
