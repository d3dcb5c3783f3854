import CamsiftCore
import Pipeline

/// Options several commands share, so they read and document the daemon config the same way.
extension OptionSpec {
    /// `--config FILE`: the daemon config, resolved as `camsift run` resolves it (`DaemonConfiguration`): an
    /// explicit file must exist and be valid; the default may be missing (every field then has its default).
    static func config(_ purpose: String, asRunReadsIt: Bool = true) -> OptionSpec {
        .value("config", "FILE", "daemon config \(purpose); "
               + (asRunReadsIt ? "read and checked exactly as `camsift run` reads it, and " : "")
               + "an explicit --config must exist", default: DaemonConfiguration.defaultPath)
    }

    /// An option that overrides one path of the config, e.g. `--state DIR` for `"state"`.
    static func configPath(_ name: String, _ valueName: String, _ help: String,
                           field: String? = nil, default value: String) -> OptionSpec {
        .value(name, valueName, help, default: "the config's \"\(field ?? name)\", else \(value)")
    }

}
