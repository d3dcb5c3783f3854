#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Registry

/// How `camsift run` (and the commands that find the daemon's files: tail, status, retrain) arrive at their
/// config: the JSON file, then command-line flags on top.
///
/// An explicitly given `--config` must exist; the default `/etc/camsift/camsift.json` may be missing (then
/// every field has its default), so `camsift run --cameras DIR` works on a machine without an install.
public enum DaemonConfiguration {
    public static let defaultPath = ConfigFile.defaultPath

    /// Flag values that replace config fields when given.
    public struct Overrides: Sendable, Equatable {
        public var cameras: String?
        public var log: String?
        public var state: String?
        public var archive: String?
        public var models: String?
        public var shard: String?
        public init(cameras: String? = nil, log: String? = nil, state: String? = nil, archive: String? = nil,
                    models: String? = nil, shard: String? = nil) {
            self.cameras = cameras
            self.log = log
            self.state = state
            self.archive = archive
            self.models = models
            self.shard = shard
        }
    }

    public struct Resolved: Sendable {
        public var config: CamsiftConfig
        /// The file read, or nil when the defaults were used.
        public var source: String?
        /// Non-fatal findings (unknown keys), one printable line each.
        public var warnings: [String]
    }

    public static func resolve(configPath: String?, overrides: Overrides = Overrides()) throws(PipelineError) -> Resolved {
        let path = configPath ?? defaultPath
        var config = CamsiftConfig()
        var source: String? = nil
        var warnings: [String] = []
        if access(path, F_OK) == 0 {
            do {
                let (c, problems) = try ConfigFile.load(path: path)
                config = c
                warnings = problems.map(\.description)
                source = path
            } catch {
                throw PipelineError(.config, "config '\(path)' is not usable: \(error) — fix it (`camsift validate` "
                    + "checks it) or pass another with --config", cause: error)
            }
        } else if configPath != nil {
            throw PipelineError(.config, "config file '\(path)' does not exist — create it (an empty {} uses every "
                + "default) or drop --config to use \(defaultPath)")
        }
        if let v = overrides.cameras { config.cameras = v }
        if let v = overrides.log { config.log = v }
        if let v = overrides.state { config.state = v }
        if let v = overrides.archive { config.archive = v }
        if let v = overrides.models { config.models = v }
        if let v = overrides.shard { config.shard = v }
        return Resolved(config: config, source: source, warnings: warnings)
    }
}
