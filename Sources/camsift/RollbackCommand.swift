import CamsiftCore
import Pipeline

/// `camsift rollback`: points `current` back at the previous bundle. A running daemon picks it up on its
/// next reload.
enum RollbackCommand: CamsiftCommand {
    static let name = "rollback"
    static let abstract = "restore the previous model bundle"
    static let options: [OptionSpec] = [
        .config("to take \"models\" from"),
        .configPath("models", "DIR", "the bundle store whose `current` is pointed back at the previous bundle",
                    default: CamsiftConfig().models),
    ]

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard a.positionals.isEmpty else { throw UsageError("unexpected argument '\(a.positionals[0])'") }
        let modelsDir = try a.configuration(.init(models: a.value("models"))).models
        let store = BundleStore(root: modelsDir)
        do {
            try store.rollback()
        } catch {
            Console.error("camsift rollback: \(error)")
            return ExitStatus.unavailable
        }
        Console.out("current bundle is now \(store.current ?? "?") (previous: \(store.previous ?? "none"))\n"
            + "a running daemon loads it on its next reload: systemctl reload camsift (or kill -HUP)\n")
        return ExitStatus.ok
    }
}
