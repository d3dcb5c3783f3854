#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import CamsiftCore

/// A small persistent pool of pthreads for the engine's own kernels (im2col, depthwise, BatchNorm, elementwise).
///
/// Threads are created once and sleep on a condition variable between jobs, so a `parallelFor` costs a wake-up,
/// not a thread creation. The calling thread always takes part. Only one job runs at a time: if another thread
/// (say inference while training runs) calls in while the pool is busy, that call runs serially on its own thread
/// instead of queueing — that is how inference and training share a box without waiting on each other.
///
/// `@unchecked Sendable`: all mutable state is guarded by `mutex` (pthread, heap-allocated so it never moves), the
/// task counter is an `Atomic`, and job closures are only reachable while the submitting call waits for them.
final class WorkerPool: @unchecked Sendable {
    /// The job slot, allocated once and reused by every `run` (so a parallel region allocates nothing: the
    /// inference hot path must not touch the heap after warm-up). Only one job runs at a time, and `run` returns
    /// only after every worker has left `drain`, so resetting it for the next job cannot race.
    private final class Job: @unchecked Sendable {
        /// Not Optional: a closure stored in an Optional is reabstracted through a heap-allocated thunk.
        var body: (Int) -> Void = { _ in }
        var tasks = 0
        let next = Atomic<Int>(0)
        func drain() {
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= tasks { return }
                body(i)
            }
        }
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    private let finished: UnsafeMutablePointer<pthread_cond_t>
    private let busy = Atomic<Bool>(false)
    // Guarded by `mutex`.
    private var generation = 0
    private let job = Job()
    private var participants = 0   // workers (not counting the caller) asked to run the current job
    private var pending = 0        // of those, how many have not finished
    private var workers = 0
    /// `generation`, readable without the lock (spinning workers watch it).
    private let published = Atomic<Int>(0)
    /// Helpers that have finished the current job (the submitter spins on it before sleeping).
    private let finishedHelpers = Atomic<Int>(0)

    /// The engine's pool: training, layer kernels and the GEMM split (capped by `NNThreads`).
    static let shared = WorkerPool(name: "nn-pool")
    /// EfficientNet inference's own pool, so a classifier keeps its threads while a trainer holds `shared`.
    /// It spins between jobs: one image split over two threads is ~35 fork-joins of 50–500 µs each, and on a
    /// virtual machine a condition-variable wake-up costs about as much as a phase — measured, the second
    /// thread then arrived after the caller had run both halves (bench/RESULTS.md). ONNX Runtime's pool spins
    /// for the same reason. 250 µs covers the gaps between phases (microseconds) and costs at most that much
    /// CPU after a batch.
    static let inference = WorkerPool(name: "nn-infer", spinNanoseconds: 250_000)

    private let name: String
    /// How long a worker (and the submitter, for the workers' results) polls before sleeping; 0: never.
    private let spinNanoseconds: UInt64

    private init(name: String, spinNanoseconds: UInt64 = 0) {
        self.name = name
        self.spinNanoseconds = spinNanoseconds
        mutex = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        finished = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(finished, nil)
    }

    /// Runs `body(i)` for every `i` in `0..<tasks` on up to `threads` threads (the caller included) and returns
    /// when all are done. Tasks must write disjoint memory.
    func run(tasks: Int, threads: Int, _ body: (Int) -> Void) {
        guard Swift.min(threads, tasks) > 1 else {
            for i in 0..<tasks { body(i) }
            return
        }
        // Converting to an escaping closure heap-allocates a thunk; callers that must not allocate use
        // `runEscaping` with a long-lived closure.
        withoutActuallyEscaping(body) { escapable in runEscaping(tasks: tasks, threads: threads, escapable) }
    }

    /// `run` for a closure that is already escaping: nothing is allocated per call.
    func runEscaping(tasks: Int, threads: Int, _ body: @escaping (Int) -> Void) {
        let helpers = Swift.min(threads, tasks) - 1
        guard helpers > 0, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for i in 0..<tasks { body(i) }
            return
        }
        pthread_mutex_lock(mutex)
        while workers < helpers { spawnWorker(index: workers) }
        job.body = body
        job.tasks = tasks
        job.next.store(0, ordering: .relaxed)
        participants = helpers
        pending = helpers
        finishedHelpers.store(0, ordering: .relaxed)
        generation &+= 1
        published.store(generation, ordering: .releasing)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)

        job.drain()

        spin { finishedHelpers.load(ordering: .acquiring) < helpers }
        pthread_mutex_lock(mutex)
        while pending > 0 { pthread_cond_wait(finished, mutex) }
        job.body = { _ in }
        pthread_mutex_unlock(mutex)
        busy.store(false, ordering: .releasing)
    }

    /// Called with `mutex` held.
    private func spawnWorker(index: Int) {
        workers += 1
        // The worker must treat the *current* generation as unseen: the job being submitted is published (the
        // generation bumped) before the new thread can take the lock.
        let context = Unmanaged.passRetained(WorkerContext(pool: self, index: index, generation: generation))
            .toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
            // Name the thread (top -H, perf) without the _GNU_SOURCE-only pthread_setname_np.
            let fd = open("/proc/thread-self/comm", O_WRONLY)
            if fd >= 0 {
                let name = "\(context.pool.name)-\(context.index)"
                _ = name.withCString { write(fd, $0, strlen($0)) }
                close(fd)
            }
            context.pool.workerLoop(index: context.index, seen: context.generation)
        }, context)
        precondition(rc == 0, "WorkerPool: pthread_create failed (\(rc))")
        pthread_detach(thread)
    }

    private final class WorkerContext {
        let pool: WorkerPool
        let index: Int
        let generation: Int
        init(pool: WorkerPool, index: Int, generation: Int) {
            self.pool = pool
            self.index = index
            self.generation = generation
        }
    }

    private func workerLoop(index: Int, seen startGeneration: Int) -> Never {
        var seen = startGeneration
        while true {
            spin { published.load(ordering: .acquiring) == seen }
            pthread_mutex_lock(mutex)
            while generation == seen { pthread_cond_wait(wake, mutex) }
            seen = generation
            let participates = index < participants
            pthread_mutex_unlock(mutex)
            guard participates else { continue }
            job.drain()
            finishedHelpers.wrappingAdd(1, ordering: .releasing)
            pthread_mutex_lock(mutex)
            pending -= 1
            if pending == 0 { pthread_cond_signal(finished) }
            pthread_mutex_unlock(mutex)
        }
    }

    /// Polls while `waiting()` holds, for at most `spinNanoseconds` (nothing when 0); the caller then falls back to
    /// its condition variable, which stays the source of truth.
    @inline(__always)
    private func spin(while waiting: () -> Bool) {
        guard spinNanoseconds > 0 else { return }
        let start = Self.now()
        var polls = 0
        while waiting() {
            polls &+= 1
            if polls & 63 == 0 && Self.now() &- start > spinNanoseconds { return }
        }
    }

    /// CLOCK_MONOTONIC in nanoseconds (vDSO: no system call).
    private static func now() -> UInt64 { Monotonic.nanoseconds() }
}
