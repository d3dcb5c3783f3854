import Foundation

/// The one way camsift runs blocking work off Swift's cooperative pool: FFmpeg's blocking opens and reads, a
/// registry load of 10,000 files, an fsync, joining a thread, a training run. The pool has one thread per core
/// (two on a small box): two blocked calls on it would stall every `async` task in the process, including
/// the ones that would unblock them.
public enum DedicatedThread {
    /// Starts `body` on a new detached thread named `name` (shown by `top -H` and in core dumps).
    /// `stackSize` in bytes; nil keeps the system default (8 MiB on Debian).
    public static func start(_ name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        let t = Thread(block: body)
        t.name = name
        if let stackSize { t.stackSize = stackSize }
        t.start()
    }

    /// Runs `body` on a new thread and suspends the caller (not a pool thread) until it returns.
    public static func run<T: Sendable>(_ name: String, stackSize: Int? = nil,
                                        _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            start(name, stackSize: stackSize) { c.resume(returning: body()) }
        }
    }

    /// The same for work that throws; the error is rethrown to the caller.
    public static func run<T: Sendable>(_ name: String, stackSize: Int? = nil,
                                        _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            start(name, stackSize: stackSize) {
                do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
            }
        }
    }
}
