#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation

/// Every subcommand, in the order `camsift help` lists them.
let commands: [any CamsiftCommand.Type] = [
    RunCommand.self, ValidateCommand.self, TailCommand.self, CamerasCommand.self, StatusCommand.self,
    RetrainCommand.self, RollbackCommand.self, ClassifyCommand.self, TrainCommand.self, EvalCommand.self,
    ProbeCommand.self, GrabCommand.self,
]

@MainActor func printUsage() {
    var s = "usage: camsift <command> [options]\n\ncommands:\n"
    for c in commands {
        s += "  " + c.name.padding(toLength: 10, withPad: " ", startingAt: 0) + c.abstract + "\n"
    }
    s += "\n`camsift help <command>` shows a command's options.\n"
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
    if argv.count > 1, let c = commands.first(where: { $0.name == argv[1] }) {
        print("usage: camsift \(c.name) \(c.usage)\n\n\(c.abstract)")
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
} catch let e as UsageError {
    Console.error("camsift \(command.name): \(e.description)\nusage: camsift \(command.name) \(command.usage)\n")
    exit(ExitStatus.usage)
} catch {
    Console.error("camsift \(command.name): \(error)\n")
    exit(ExitStatus.failure)
}
