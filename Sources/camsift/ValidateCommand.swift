#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Registry

/// `camsift validate [--config FILE] [PATH ...]`: checks registry files and the config the way the daemon
/// would load them, printing one line per problem (`FILE: camera 'ID': field 'F': what — fix`).
/// Exit 0 when there are no errors (warnings allowed), 65 (EX_DATAERR) otherwise.
enum ValidateCommand: CamsiftCommand {
    static let name = "validate"
    static let abstract = "check registry files and the config"
    static let arguments = "[PATH ...]"
    static let argumentHelp = [
        (name: "PATH", help: "registry files or directories (default: the config's \"cameras\" directory)"),
    ]
    static let options: [OptionSpec] = [
        .value("config", "FILE", "daemon config, checked when it exists; an explicit --config must exist",
               default: ConfigFile.defaultPath),
    ]

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        let configPath = a.value("config") ?? ConfigFile.defaultPath
        var problems: [RegistryProblem] = []
        var config = CamsiftConfig()
        do {
            let (c, warnings) = try ConfigFile.load(path: configPath)
            config = c
            problems += warnings
        } catch let e as RegistryError where e.code == .notFound && a.value("config") == nil {
            // No config is fine: every field has a default.
        } catch let e as RegistryError {
            problems += e.problems.isEmpty ? [RegistryProblem(file: configPath, message: e.message, fix: "")] : e.problems
            if let dir = ConfigFile.camerasDirectory(inConfigAt: configPath) { config.cameras = dir }
        }
        let paths = a.positionals.isEmpty ? [config.cameras] : a.positionals
        let snapshot = RegistryLoader.validate(paths: paths)
        problems += snapshot.problems
        var out = ""
        for p in problems { out += p.description + "\n" }
        let errors = problems.filter(\.isError).count
        let warnings = problems.count - errors
        let cameras = snapshot.cameras.count
        let files = snapshot.files.count
        let w = warnings > 0 ? " (\(warnings) warning\(warnings == 1 ? "" : "s"))" : ""
        if errors == 0 {
            out += "\(cameras) camera\(cameras == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s"): OK\(w)\n"
        } else {
            out += "\(errors) error\(errors == 1 ? "" : "s")\(w) in \(files) file\(files == 1 ? "" : "s")\n"
        }
        Console.out(out)
        return errors == 0 ? ExitStatus.ok : ExitStatus.dataError
    }
}
