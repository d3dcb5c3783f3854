import CamsiftCore
import Foundation
import Learning
import Pipeline

/// Label propagation in the daemon (issue 21): `camsift propagate`'s run started from the console ("Suggest labels")
/// or by the `propagateAfterLabels` schedule, the same way retraining is (`Retrainer`): one job at a time on a
/// low-priority thread through a `RetrainCoordinator` (a request while one runs is queued once, further ones
/// coalesce), never on a request thread or the frame path. Pipeline knows nothing of it; the job itself (frame
/// suggestions into the review queue, the camera-tag review file) is the command's `perform`, wired by `camsift run`.
///
/// The schedule checks every interval whether the labelled archive changed (the set of labelled files) since the
/// last run it started, and only then asks for a run, so an idle archive costs one directory scan per interval.
public final class Propagator: Service {
    public let coordinator: RetrainCoordinator
    private let every: Double?
    private let archive: String

    /// `job` runs one propagation and returns its one-line outcome (shown on the review page and in the log).
    public init(archive: String, every: Double?, job: @escaping @Sendable (_ reason: String) throws -> String) {
        self.archive = archive
        self.every = every
        coordinator = RetrainCoordinator(name: "propagate") { reason in
            defer { HeapTrim.release() }
            return try job(reason)
        }
    }

    /// The console's button: asks for a run; returns what to tell the operator.
    public func request(reason: String) -> String {
        switch coordinator.request(reason: reason) {
        case "started": return "label propagation started; suggestions will appear in the review queue"
        case "queued": return "a propagation run is in progress; another one is queued after it"
        default: return "a propagation run is in progress and another is already queued"
        }
    }

    /// The labelled files, as a value that changes when a label is assigned, undone or a file is added or removed.
    static func labelsFingerprint(_ archive: String) -> Int? {
        guard let a = try? LabeledArchive.scan(archive) else { return nil }
        var h = Hasher()
        h.combine(a.items.count)
        for item in a.items {
            h.combine(item.path)
            h.combine(item.label)
        }
        return h.finalize()
    }

    public func run() async throws {
        reportServiceStarted()
        guard let every else {
            try? await gracefulShutdown()
            return
        }
        let coordinator = coordinator, archive = archive
        _ = try? await cancelWhenGracefulShutdown {
            let clock = ContinuousClock()
            var last: Int?
            var next = clock.now + .milliseconds(Int64(every * 1000))
            while true {
                try await Task.sleep(until: next, clock: clock)
                next += .milliseconds(Int64(every * 1000))
                // The scan runs off the cooperative pool's hot path only briefly: a directory walk per interval.
                guard let now = Self.labelsFingerprint(archive), now != last else { continue }
                last = now
                coordinator.request(reason: "labels changed (checked every \(Int(every)) s)")
            }
        }
    }
}
