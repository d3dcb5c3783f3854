import CamsiftCore
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs retraining in the background while ingest and inference continue (issue 6).
///
/// Triggers (SIGUSR1 / `camsift retrain`, the schedule, new labeled images) call `request`. At most one job
/// runs; a trigger that arrives while one runs is queued **once** (further triggers coalesce into it), so a
/// burst of signals never stacks a backlog of trainings. The job runs on its own thread at lowered priority
/// (nice +10 for that thread) so ingest and inference keep their share of the cores.
public final class RetrainCoordinator: Sendable {
    public enum Phase: String, Sendable { case idle, training }

    public struct Status: Sendable, Equatable {
        public var phase: Phase = .idle
        public var queued = false
        public var runs = 0
        public var coalesced = 0
        public var lastReason: String?
        public var lastVerdict: String?
        public var lastError: String?
        /// Finished runs by outcome: a job that threw failed; one whose line starts with `rejected` (the
        /// promotion guard kept the serving model) was rejected; any other was promoted.
        public var failed = 0
        public var rejected = 0
        /// Unix seconds when the last run finished (nil before the first).
        public var lastFinishedAt: Double?
    }

    /// The work: train a candidate and judge it; returns a one-line outcome for the log/status.
    public typealias Job = @Sendable (_ reason: String) throws -> String

    private let job: Job
    private let state = Mutex(Status())
    private let idleSignal = Mutex<[DispatchSemaphore]>([])
    private let niceness: Int32

    /// What the log lines call the job ("retrain"; the label-propagation runs use the same coordinator as "propagate").
    private let name: String

    public init(name: String = "retrain", niceness: Int32 = 10, job: @escaping Job) {
        self.name = name
        self.niceness = niceness
        self.job = job
    }

    public var status: Status { state.withLock { $0 } }

    /// Requests a retrain. Returns what happened: started, queued, or coalesced into the queued one.
    @discardableResult
    public func request(reason: String) -> String {
        let action: String = state.withLock { s in
            if s.phase == .idle {
                s.phase = .training
                s.lastReason = reason
                return "started"
            }
            if !s.queued {
                s.queued = true
                return "queued"
            }
            s.coalesced += 1
            return "coalesced"
        }
        OperationalLog.notice(name, "\(name) requested (\(reason)): \(action)")
        if action == "started" { spawn(reason: reason) }
        return action
    }

    private func spawn(reason: String) {
        DedicatedThread.start("camsift-retrain") { [self] in
            // On Linux the nice value is per thread and who = 0 means the calling thread (pthreads(7)), so
            // this lowers the training thread only.
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
            var reason = reason
            while true {
                // Counted with `runs` under one lock, so runs = promoted + rejected + failed in every read.
                var failed = false
                var rejected = false
                do {
                    let outcome = try job(reason)
                    rejected = outcome.hasPrefix("rejected")
                    state.withLock { $0.lastVerdict = outcome; $0.lastError = nil }
                    OperationalLog.notice(name, outcome)
                } catch {
                    failed = true
                    state.withLock { $0.lastError = "\(error)" }
                    OperationalLog.error(name, name == "retrain" ? "retraining failed: \(error)" : "\(name) failed: \(error)")
                }
                let again: Bool = state.withLock { s in
                    s.runs += 1
                    if failed { s.failed += 1 }
                    if rejected { s.rejected += 1 }
                    s.lastFinishedAt = Timestamp.now()
                    if s.queued {
                        s.queued = false
                        return true
                    }
                    s.phase = .idle
                    return false
                }
                if !again { break }
                reason = "queued trigger"
            }
            let waiters = idleSignal.withLock { w -> [DispatchSemaphore] in
                let all = w
                w = []
                return all
            }
            waiters.forEach { $0.signal() }
        }
    }

    /// Waits until no job runs or is queued (bounded by `timeout` seconds). Returns false on timeout.
    public func waitUntilIdle(timeout: Double) -> Bool {
        let sem = DispatchSemaphore(value: 0)
        let idle: Bool = state.withLock { s in
            if s.phase == .idle { return true }
            idleSignal.withLock { $0.append(sem) }
            return false
        }
        if idle { return true }
        return sem.wait(timeout: .now() + timeout) == .success
    }
}

extension RetrainCoordinator {
    /// Parses schedules like `24h`, `30m`, `90s`, `1d`; nil for an empty or malformed value.
    public static func parseInterval(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let unit = t.last, let n = Double(t.dropLast()), n > 0 else { return nil }
        switch unit {
        case "s": return n
        case "m": return n * 60
        case "h": return n * 3600
        case "d": return n * 86400
        default: return nil
        }
    }
}
