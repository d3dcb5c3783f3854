/// One long-running part of the daemon (swift-service-lifecycle's `Service`, without the dependency).
///
/// `run()` starts the part, calls `reportServiceStarted()` once it is up, then runs until the `ServiceGroup`
/// asks it to shut down gracefully (`gracefulShutdown()`, `withGracefulShutdownHandler`,
/// `cancelWhenGracefulShutdown`) or its task is cancelled; it then cleans up and returns. Throwing — at
/// start-up or later — stops the whole group. Returning before the group asked counts as a failure: a
/// service with nothing to do still waits for `gracefulShutdown()`.
///
/// Blocking work (joining a thread, waiting for a drain, fsync) belongs on a thread of its own
/// (`DedicatedThread.run`): the cooperative pool has one thread per core, two on the test box.
public protocol Service: Sendable {
    func run() async throws
}

/// Tells the group this service is up: the group starts the next service only then (so, e.g., `READY=1`
/// goes out after the cameras run). Outside a group it does nothing; calling it twice is harmless.
public func reportServiceStarted() {
    ServiceContext.current?.markStarted()
}

/// Suspends until the group asks this service to shut down. Throws `CancellationError` if the task is
/// cancelled first. Outside a group, only cancellation ends it.
public func gracefulShutdown() async throws {
    guard let context = ServiceContext.current else {
        // No group: wait for cancellation.
        let never = Latch<Void>()
        _ = await never.wait()
        throw CancellationError()
    }
    guard await context.shutdown.wait() != nil else { throw CancellationError() }
}

/// Runs `operation`; if the group asks this service to shut down meanwhile (or already did), `handler` runs
/// once, on whatever thread asked. The handler must not block: it typically wakes the operation up.
public func withGracefulShutdownHandler<T>(
    isolation: isolated (any Actor)? = #isolation, operation: () async throws -> T,
    onGracefulShutdown handler: @escaping @Sendable () -> Void
) async rethrows -> T {
    guard let context = ServiceContext.current else { return try await operation() }
    guard let id = context.shutdown.addHandler(handler) else {
        handler()
        return try await operation()
    }
    defer { context.shutdown.removeHandler(id) }
    return try await operation()
}

/// Runs `operation` in a child task that is cancelled when the group asks this service to shut down (or
/// this task is cancelled): for loops made of `Task.sleep` and other cancellable waits.
public func cancelWhenGracefulShutdown<T: Sendable>(
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let task = Task { try await operation() }
    return try await withGracefulShutdownHandler {
        try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    } onGracefulShutdown: {
        task.cancel()
    }
}

extension Task where Success == Never, Failure == Never {
    /// Whether the group asked the current service to shut down.
    public static var isShuttingDownGracefully: Bool { ServiceContext.current?.shutdown.value != nil }
}

/// What the group hands a running service through a task-local: its start-up report and its shutdown request.
final class ServiceContext: Sendable {
    @TaskLocal static var current: ServiceContext?

    let name: String
    let shutdown = Latch<Void>()
    private let started = Latch<Void>()

    /// `onStarted` runs once, on the first `markStarted()`.
    init(name: String, onStarted: @escaping @Sendable () -> Void) {
        self.name = name
        _ = started.addHandler(onStarted)
    }

    func markStarted() { started.fire(()) }

    func requestShutdown() { shutdown.fire(()) }
}
