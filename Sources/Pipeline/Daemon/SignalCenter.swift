#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Synchronization

/// Every signal the daemon reacts to, handled in one place (the swift-service-lifecycle idea, without its
/// dependency): the signals are blocked, and one dedicated thread takes them with `sigwait(3)` and calls
/// `handler` there — never in signal-handler context, so the handler may lock, allocate and log. The handler
/// only posts requests (`DaemonRequests`: stop, reload, retrain); the services act on them.
///
/// As a service it is the first to start and the last to stop, so signals are taken for the daemon's whole
/// life (a second SIGTERM during the stop changes nothing).
///
/// `blockInCurrentThread()` must run before the process starts other threads: threads inherit the blocked
/// mask. As a safety net for threads created earlier (the Swift runtime may have started some), a tiny
/// async-signal-safe handler forwards a stray delivery with `pthread_kill` to the waiting thread, where it is
/// blocked and thus picked up by `sigwait`.
public final class SignalCenter: Service {
    public enum Signal: Int32, Sendable, CaseIterable {
        case hangup = 1  // SIGHUP
        case interrupt = 2  // SIGINT
        case user1 = 10  // SIGUSR1
        case terminate = 15  // SIGTERM

        public var name: String {
            switch self {
            case .hangup: "SIGHUP"
            case .interrupt: "SIGINT"
            case .user1: "SIGUSR1"
            case .terminate: "SIGTERM"
            }
        }
    }

    /// The sigwait thread, for the forwarding handler (0 until it runs). pthread_t is an integer on Linux.
    private static let waiter = Atomic<UInt>(0)
    private let stopped = Atomic<Bool>(false)

    /// Blocks the daemon's signals in the calling thread (and thus in threads it starts afterwards).
    public static func blockInCurrentThread() {
        var set = Self.signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in Signal.allCases { sigaddset(&set, s.rawValue) }
        return set
    }

    private let handler: @Sendable (Signal) -> Void

    public init(_ handler: @escaping @Sendable (Signal) -> Void) { self.handler = handler }

    /// Takes signals until the group shuts down.
    public func run() async throws {
        install()
        reportServiceStarted()
        try? await gracefulShutdown()
        stop()
    }

    /// Blocks the signals, starts the waiting thread and delivers each signal to `handler` on it.
    func install() {
        Self.blockInCurrentThread()
        DedicatedThread.start("camsift-signals") { [self] in
            Self.blockInCurrentThread()
            Self.waiter.store(UInt(pthread_self()), ordering: .releasing)
            var set = Self.signalSet()
            while true {
                var sig: Int32 = 0
                guard sigwait(&set, &sig) == 0 else { continue }
                if self.stopped.load(ordering: .acquiring) { return }
                if let s = Signal(rawValue: sig) { handler(s) }
            }
        }
        while Self.waiter.load(ordering: .acquiring) == 0 { sched_yield() }
        for s in Signal.allCases {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                // Async-signal-safe: an atomic load and pthread_kill only.
                let t = SignalCenter.waiter.load(ordering: .relaxed)
                if t != 0 { pthread_kill(pthread_t(t), sig) }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(s.rawValue, &action, nil)
        }
    }

    /// Stops delivering: the thread exits, and later signals are swallowed by the forwarding handler (which
    /// then has no thread to forward to). One center per process.
    func stop() {
        stopped.store(true, ordering: .releasing)
        let t = Self.waiter.exchange(0, ordering: .acquiringAndReleasing)
        if t != 0 { pthread_kill(pthread_t(t), Signal.user1.rawValue) }
    }
}
