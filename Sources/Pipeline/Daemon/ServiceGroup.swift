import CamsiftCore
import Synchronization

/// Runs the daemon's services as one unit (swift-service-lifecycle's `ServiceGroup`, written small, without
/// the dependency).
///
/// - **Start-up** is in order, one at a time: each service is started once the one before it reported
///   `reportServiceStarted()`. So the pid file is held before anything else runs, the inference thread runs
///   before cameras deliver, and the housekeeper's `READY=1` goes out only when everything is up.
/// - **Stop** is requested through `DaemonRequests.stop` (SIGTERM/SIGINT, via `SignalCenter`), by
///   `triggerGracefulShutdown(reason:)`, by a service that throws (or returns on its own), or by cancelling
///   the task that runs the group. The started services are then shut down **in reverse order**, one at a
///   time: each is asked to shut down gracefully and given its `shutdownDeadline`; one that overruns is
///   cancelled and abandoned (left running detached, logged) so that the process still exits in time. For the
///   daemon that order is: housekeeper (`STOPPING=1`), watcher, cameras (intake stops), …, pipeline (drains),
///   ingest, log (closed last), pid file.
/// - `run()` returns once every service has returned or been abandoned, and rethrows the first failure (the
///   process then exits non-zero). A failure is logged, with the service's name, when it happens.
///
/// Every service runs in a task of its own (unstructured, so an abandoned one cannot hold the group up).
public final class ServiceGroup: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var service: any Service
        /// Seconds the group waits for `run()` to return after asking the service to shut down; nil waits as
        /// long as it takes.
        public var shutdownDeadline: Double?

        public init(_ name: String, _ service: any Service, shutdownDeadline: Double? = nil) {
            self.name = name
            self.service = service
            self.shutdownDeadline = shutdownDeadline
        }
    }

    public let entries: [Entry]
    private let stopRequests: DaemonRequests?
    private let component: String
    private let events: AsyncStream<Event>
    private let post: AsyncStream<Event>.Continuation
    private let hasRun = Atomic<Bool>(false)

    enum Event: Sendable {
        case started(Int)
        case finished(Int, (any Error)?)
        case shutdown(String)
        case cancelled
        case deadline(Int)
    }

    /// `stopRequests`: the group shuts down when `stop(_:)` is called on it (the signal path).
    /// `component` prefixes the group's own log lines.
    public init(_ entries: [Entry], stopRequests: DaemonRequests? = nil, component: String = "daemon") {
        self.entries = entries
        self.stopRequests = stopRequests
        self.component = component
        (events, post) = AsyncStream.makeStream(of: Event.self)
    }

    /// Starts the orderly shutdown (or, before `run()`, makes it stop right after it starts). Any thread.
    public func triggerGracefulShutdown(reason: String) { post.yield(.shutdown(reason)) }

    /// Starts the services, runs until a stop, shuts them down. Runs once.
    public func run() async throws {
        guard !hasRun.exchange(true, ordering: .acquiringAndReleasing) else {
            throw PipelineError(.invalidArgument, "a service group runs only once")
        }
        let watcher: Task<Void, Never>? = stopRequests.map { requests in
            Task { [post] in
                if let reason = await requests.stopRequested() { post.yield(.shutdown(reason)) }
            }
        }
        defer { watcher?.cancel() }
        try await withTaskCancellationHandler {
            try await supervise()
        } onCancel: { [post] in
            post.yield(.cancelled)
        }
    }

    // MARK: - Internals

    private struct Progress {
        var tasks: [Task<Void, Never>] = []
        var contexts: [ServiceContext] = []
        var started: [Bool]
        var finished: [Bool]
        var stopping = false
        var cancelled = false
        var firstError: (any Error)?
        init(count: Int) {
            started = Array(repeating: false, count: count)
            finished = Array(repeating: false, count: count)
        }
    }

    private func supervise() async throws {
        var p = Progress(count: entries.count)
        var events = self.events.makeAsyncIterator()

        // Start-up: one at a time, each once the previous one is up.
        for i in entries.indices {
            if p.stopping { break }
            launch(i, &p)
            while !p.started[i], !p.finished[i], !p.stopping, let e = await events.next() { handle(e, &p) }
        }
        // Running, until a stop request or a failure.
        while !p.stopping, let e = await events.next() { handle(e, &p) }

        // Shutdown: newest first, each within its deadline.
        let stopStarted = ContinuousClock.now
        for i in p.tasks.indices.reversed() where !p.finished[i] {
            let entry = entries[i]
            p.contexts[i].requestShutdown()
            let t0 = ContinuousClock.now
            let timer: Task<Void, Never>? = entry.shutdownDeadline.map { seconds in
                Task { [post] in
                    try? await Task.sleep(for: .milliseconds(Int((seconds * 1000).rounded())))
                    if !Task.isCancelled { post.yield(.deadline(i)) }
                }
            }
            while !p.finished[i], let e = await events.next() {
                if case .deadline(let j) = e {
                    guard j == i else { continue }  // a stale timer of an earlier service
                    p.tasks[i].cancel()
                    p.finished[i] = true
                    OperationalLog.warning(component, "\(entry.name) did not stop within "
                        + "\(ClassificationLogFormatter.fixed(entry.shutdownDeadline ?? 0, 1)) s; exiting without it")
                    break
                }
                handle(e, &p)
            }
            timer?.cancel()
            OperationalLog.emit(.debug, component, "\(entry.name) stopped in \(Daemon.milliseconds(since: t0)) ms")
        }
        OperationalLog.notice(component, "stopped in \(Daemon.milliseconds(since: stopStarted)) ms")
        if let error = p.firstError { throw error }
    }

    private func launch(_ i: Int, _ p: inout Progress) {
        let entry = entries[i]
        let context = ServiceContext(name: entry.name) { [post] in post.yield(.started(i)) }
        let task = Task { [post] in
            do {
                try await ServiceContext.$current.withValue(context) { try await entry.service.run() }
                post.yield(.finished(i, nil))
            } catch {
                post.yield(.finished(i, error))
            }
        }
        if p.cancelled { task.cancel() }
        p.tasks.append(task)
        p.contexts.append(context)
    }

    private func handle(_ event: Event, _ p: inout Progress) {
        switch event {
        case .started(let i):
            p.started[i] = true
            OperationalLog.emit(.debug, component, "\(entries[i].name) started")
        case .finished(let i, let error):
            p.finished[i] = true
            let name = entries[i].name
            if let error {
                if p.stopping && error is CancellationError { return }
                OperationalLog.error(component, "\(name) failed: \(error)")
                if p.firstError == nil { p.firstError = error }
                beginStopping(&p, reason: "\(name) failed")
            } else if !p.stopping {
                let error = PipelineError(.unavailable, "\(name) ended before the daemon was asked to stop")
                OperationalLog.error(component, "\(error.message)")
                if p.firstError == nil { p.firstError = error }
                beginStopping(&p, reason: "\(name) ended")
            }
        case .shutdown(let reason):
            beginStopping(&p, reason: reason)
        case .cancelled:
            p.cancelled = true
            beginStopping(&p, reason: "cancelled")
            for t in p.tasks { t.cancel() }
        case .deadline:
            break  // a timer of a service that stopped in time
        }
    }

    private func beginStopping(_ p: inout Progress, reason: String) {
        guard !p.stopping else { return }
        p.stopping = true
        OperationalLog.notice(component, "stopping (\(reason))")
    }
}
