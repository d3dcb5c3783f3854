#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation

/// The daemon is a `ServiceGroup` of services, started in this order and stopped in the reverse one
/// (`camsift run` builds it; `DaemonOptions.StopBudget` gives the deadlines):
///
/// | service | start | stop |
/// |---|---|---|
/// | `SignalCenter` | takes SIGHUP/SIGUSR1/SIGTERM/SIGINT on one thread, posts `DaemonRequests` | stops taking them |
/// | `PIDFileService` | takes `STATE/camsift.pid` (one daemon per state directory) | removes it |
/// | `ClassificationLogService` | — (the log is opened before) | flushes and closes the log |
/// | `IngestService` | — (the runtime is built before) | shuts down the curl loop and decode pool (10 %) |
/// | `MetricsServer` | serves /metrics | stops serving |
/// | `InferenceEngine` | starts the inference thread | drains in-flight batches (30 %) |
/// | `Retrainer` | the `retrainEvery` schedule | stops the schedule (a running retrain is not waited for) |
/// | `Propagator` (Retraining) | the `propagateAfterLabels` schedule (label propagation when labels changed) | stops the schedule (a running propagation is not waited for) |
/// | `CameraFleet` | loads the registry, starts a worker per camera; control loop (reloads, retrains) | stops every worker (60 %) |
/// | `RegistryWatcherService` | inotify on the registry | stops watching |
/// | `Housekeeper` | `READY=1`; state file, `STATUS`, `WATCHDOG` | `STOPPING=1` |
///
/// This namespace holds what the services share.
public enum Daemon {
    static func milliseconds(since t0: ContinuousClock.Instant) -> Int {
        let d = ContinuousClock.now - t0
        return Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }

    static func uniqueReasons(_ r: [String]) -> String {
        var seen: [String] = []
        for x in r where !seen.contains(x) { seen.append(x) }
        return seen.isEmpty ? "request" : seen.joined(separator: "+")
    }

    static func requireDirectory(_ path: String, what: String, flag: String, key: String) throws(PipelineError) {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw PipelineError(.config, "\(what) '\(path)' does not exist or is not a directory — create it or "
                + "pass another with \(flag) (or \"\(key)\" in the config)")
        }
    }

    /// `mkdir -p` (0755).
    static func makeDirectories(_ path: String) throws(PipelineError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .errno(.io, "cannot create directory '\(prefix)' — create it, or point the daemon elsewhere")
            }
            prefix += "/"
        }
    }
}
