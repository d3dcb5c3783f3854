import CamsiftCore
import Pipeline

/// A bad or unreadable config file, as every command reports it: `camsift NAME: <error>` and exit 78
/// (EX_CONFIG), so systemd's `RestartPreventExitStatus` and scripts can tell it from a crash.
struct ConfigurationFailure: Error, CustomStringConvertible {
    let underlying: PipelineError
    var description: String { "\(underlying)" }
}

extension CommandLineArguments {
    /// The configuration the daemon would run with: `--config FILE` (else the default path, if present), with
    /// the command's own flags as overrides — the one way every command reads it (`DaemonConfiguration.resolve`).
    func configuration(_ overrides: DaemonConfiguration.Overrides = .init()) throws(ConfigurationFailure) -> CamsiftConfig {
        do {
            return try DaemonConfiguration.resolve(configPath: value("config"), overrides: overrides).config
        } catch {
            throw ConfigurationFailure(underlying: error)
        }
    }
}
