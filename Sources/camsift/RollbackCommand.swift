import CamsiftCore
import Pipeline
import Registry

/// `camsift rollback`: points `current` back at the previous bundle. A running daemon picks it up on its
/// next reload.
enum RollbackCommand: CamsiftCommand {
    static let name = "rollback"
    static let abstract = "restore the previous model bundle"
    static let usage = "[--config FILE] [--models DIR]"

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try CommandLineArguments(args, valued: ["config", "models"], booleans: [])
        guard a.positionals.isEmpty else { throw UsageError("unexpected argument '\(a.positionals[0])'") }
        var modelsDir = a.value("models")
        if modelsDir == nil {
            let path = a.value("config") ?? "/etc/camsift/camsift.json"
            do {
                modelsDir = try ConfigFile.load(path: path).0.models
            } catch {
                if a.value("config") != nil {
                    Console.error("camsift rollback: \(error)")
                    return ExitStatus.config
                }
                modelsDir = CamsiftConfig().models
            }
        }
        let store = BundleStore(root: modelsDir!)
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
