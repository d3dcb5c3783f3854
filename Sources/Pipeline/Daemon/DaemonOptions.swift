import CamsiftCore

/// Everything `Daemon` needs besides its worker factory: the loaded config (flags already applied) and the
/// knobs tests and benchmarks turn.
public struct DaemonOptions: Sendable {
    public var config: CamsiftConfig
    /// Parsed `config.shard` (or `--shard`); nil runs every camera.
    public var shard: ShardSpec?
    /// Seconds between state-file writes and STATUS updates.
    public var stateInterval: Double = 2
    /// Graceful stop must finish within this many seconds (systemd's default TimeoutStopSec is 90 s; the issue
    /// asks for 10 s, so stopping gives up waiting for stragglers after this).
    public var stopDeadline: Double = 8
    /// Watch the registry directory with inotify (SIGHUP reloads either way).
    public var watchRegistry: Bool = true
    /// Quiet time after the last registry change before reloading: editors write a file in several steps.
    public var reloadDebounce: Double = 0.2
    /// Take the pid file in the state directory (one daemon per state directory).
    public var usePIDFile: Bool = true

    public init(config: CamsiftConfig, shard: ShardSpec? = nil) {
        self.config = config
        self.shard = shard
    }
}
