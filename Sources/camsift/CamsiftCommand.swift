
/// One `camsift` subcommand. Each lives in its own file as `<Name>Command.swift`.
protocol CamsiftCommand {
    static var name: String { get }
    static var abstract: String { get }
    static var usage: String { get }
    /// Runs the command; returns the process exit status.
    static func run(_ args: [String]) async throws -> Int32
}
