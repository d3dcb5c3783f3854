import CamsiftCore

/// Everything the daemon's services need besides the objects they drive: the loaded config (flags already
/// applied) and the knobs tests and benchmarks turn.
public struct DaemonOptions: Sendable {
    public var config: CamsiftConfig
    /// Parsed `config.shard` (or `--shard`); nil runs every camera.
    public var shard: ShardSpec?
    /// Seconds between state-file writes and STATUS updates.
    public var stateInterval: Double = 2
    /// Graceful stop must finish within this many seconds (systemd's default TimeoutStopSec is 90 s; the issue
    /// asks for 10 s, so stopping gives up waiting for stragglers after this). Split by `stopBudget`.
    public var stopDeadline: Double = 8
    /// Watch the registry directory with inotify (SIGHUP reloads either way).
    public var watchRegistry: Bool = true
    /// Quiet time after the last registry change before reloading: editors write a file in several steps.
    public var reloadDebounce: Double = 0.2
    /// Take the pid file in the state directory (one daemon per state directory) and write the state file.
    public var usePIDFile: Bool = true

    public init(config: CamsiftConfig, shard: ShardSpec? = nil) {
        self.config = config
        self.shard = shard
    }

    /// The services' shutdown deadlines (`ServiceGroup.Entry.shutdownDeadline`), in seconds.
    public struct StopBudget: Sendable, Equatable {
        /// Every camera worker stopped: 60 % of `stopDeadline`.
        public var workers: Double
        /// In-flight batches classified: 30 % (the engine's own drain gives up after 2 s).
        public var drain: Double
        /// Ingest's shared loops shut down: 10 %.
        public var ingest: Double
        /// Each of the services that stop at once (signals, housekeeper, watcher, metrics, schedule): 1 s,
        /// outside the split; they do not wait on anything.
        public var quick: Double
    }

    public var stopBudget: StopBudget {
        StopBudget(workers: stopDeadline * 0.6, drain: stopDeadline * 0.3, ingest: stopDeadline * 0.1, quick: 1)
    }
}
