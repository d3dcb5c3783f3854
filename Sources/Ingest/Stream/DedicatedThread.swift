#if canImport(Glibc)
import Glibc
#endif

/// Starts a detached POSIX thread for blocking C calls (FFmpeg opens and reads), so they never occupy a
/// thread of Swift's cooperative pool (one per core: two blocked readers would stall all async work).
enum DedicatedThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// (Threads stay unnamed: `pthread_setname_np` is a GNU extension Glibc's Swift overlay does not export.)
    static func start(_ run: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Body(run)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            let body = Unmanaged<Body>.fromOpaque(arg!).takeRetainedValue()
            body.run()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed (\(rc)): the process hit its thread limit (ulimit -u)")
        pthread_detach(tid)
    }
}
