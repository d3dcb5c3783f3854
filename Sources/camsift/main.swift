#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation

/// Every subcommand, in the order `camsift help` lists them.
let commands: [any CamsiftCommand.Type] = [
    RunCommand.self, ValidateCommand.self, TailCommand.self, CamerasCommand.self, StatusCommand.self,
    RetrainCommand.self, RollbackCommand.self, LabelCommand.self, ClassifyCommand.self, TrainCommand.self, EvalCommand.self,
    ProbeCommand.self, GrabCommand.self, PropagateCommand.self,
]

@MainActor func printUsage() {
    var s = "usage: camsift <command> [options]\n\ncommands:\n"
    for c in commands {
        s += "  " + c.name.padding(toLength: 10, withPad: " ", startingAt: 0) + c.abstract + "\n"
    }
    s += "\n`camsift help <command>` or `camsift <command> --help` shows a command's options.\n"
    print(s, terminator: "")
}

let argv = Array(CommandLine.arguments.dropFirst())
if let level = getenv("CAMSIFT_LOG_LEVEL").map({ String(cString: $0) }),
   let l = OperationalLog.Level(rawValue: level) {
    OperationalLog.minimum = l
}
guard let name = argv.first, name != "-h", name != "--help" else {
    printUsage()
    exit(argv.isEmpty ? ExitStatus.usage : ExitStatus.ok)
}
if name == "help" {
    if argv.count > 2, argv[1] == "--options", let c = commands.first(where: { $0.name == argv[2] }) {
        // The option table, one option a line (`--name VALUE`, `--flag`, then aliases): for shell completion
        // and for the tests that check every declared option is documented and parsed.
        Console.out(c.options.map { o in
            (["--" + o.name + (o.valueName.map { " " + $0 } ?? "")] + o.aliases.map { ($0.count == 1 ? "-" : "--") + $0 })
                .joined(separator: " ") + "\n"
        }.joined())
        exit(ExitStatus.ok)
    }
    if argv.count > 1, let c = commands.first(where: { $0.name == argv[1] }) {
        Console.out(c.help)
    } else {
        printUsage()
    }
    exit(ExitStatus.ok)
}
guard let command = commands.first(where: { $0.name == name }) else {
    Console.error("camsift: unknown command '\(name)' — run `camsift help` for the list\n")
    exit(ExitStatus.usage)
}
do {
    let status = try await command.run(Array(argv.dropFirst()))
    exit(status)
} catch is HelpRequested {
    Console.out(command.help)
    exit(ExitStatus.ok)
} catch let e as ConfigurationFailure {
    Console.error("camsift \(command.name): \(e)\n")
    exit(ExitStatus.config)
} catch let e as UsageError {
    Console.error("camsift \(command.name): \(e.description)\nusage: camsift \(command.name) \(command.usage)\n"
                  + "`camsift \(command.name) --help` describes every option\n")
    exit(ExitStatus.usage)
} catch {
    Console.error("camsift \(command.name): \(error)\n")
    exit(ExitStatus.failure)
}
