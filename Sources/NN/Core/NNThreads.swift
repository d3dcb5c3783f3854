#if canImport(Glibc)
import Glibc
#endif
import COpenBLAS
import Synchronization

/// The engine's thread budget: one number caps the engine's worker pool (which also runs the GEMMs), so
/// inference, training and ingest can share a small box (`NNThreads.set(1)` for a background trainer next to a
/// live classifier, for example).
///
/// Process-wide state (OpenBLAS's thread count is global): tests that change it are `.serialized`.
public enum NNThreads {
    private static let limit = Atomic<Int>(0)

    /// Online CPUs (at least 1).
    public static var cores: Int { Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Marks threads running inside `serially` (non-nil value = confined).
    private static let serialKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "NNThreads: pthread_key_create failed")
        return key
    }()

    /// Current cap. Defaults to `CAMSIFT_NN_THREADS` when set, else all cores; 1 inside `serially`.
    public static var count: Int {
        if pthread_getspecific(serialKey) != nil { return 1 }
        let current = limit.load(ordering: .relaxed)
        if current > 0 { return current }
        let initial = defaultCount()
        set(initial)
        return initial
    }

    /// Caps every engine thread at `n` (clamped to 1…64). OpenBLAS itself is pinned to one thread: the engine
    /// splits large GEMMs over its own pool (see `BLAS`), so only one set of threads competes for the cores.
    public static func set(_ n: Int) {
        let clamped = Swift.min(Swift.max(n, 1), 64)
        limit.store(clamped, ordering: .relaxed)
        openblas_set_num_threads(1)
    }

    /// Runs `body` with every engine call on this thread confined to this thread (`count` reads 1 here), whatever
    /// the pool is doing. A data-parallel shard runs this way: its GEMMs and kernels then run the same code path
    /// whether the shards ran side by side or one after another, so results depend on the shard count only.
    public static func serially<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(serialKey)
        pthread_setspecific(serialKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(serialKey, previous) }
        return try body()
    }

    /// OpenBLAS's own thread count; `set` keeps it at 1 so OpenBLAS threads never compete with the engine's.
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// OpenBLAS's kernel family (e.g. "Haswell", "Cooperlake"); chosen by `OPENBLAS_CORETYPE` at process start.
    public static var blasCore: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    private static func defaultCount() -> Int {
        if let text = getenv("CAMSIFT_NN_THREADS"), let n = Int(String(cString: text)), n > 0 { return n }
        return cores
    }

    /// Runs `body(i)` for `i` in `0..<tasks` across up to `count` threads (caller included); serial when `tasks`
    /// is 1 or the pool is busy with another caller's job. Tasks must write disjoint memory. Work per task should
    /// be well above a thread wake-up (~10 µs); use `parallelChunks` for fine-grained loops.
    public static func parallelFor(_ tasks: Int, _ body: (Int) -> Void) {
        guard tasks > 0 else { return }
        WorkerPool.shared.run(tasks: tasks, threads: count, body)
    }

    /// Splits `0..<total` into contiguous ranges of at least `grain` items, a few per thread, and runs them in
    /// parallel. With less than two grains of work it runs inline.
    public static func parallelChunks(_ total: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        guard total > 0 else { return }
        let threads = count
        let maxChunks = Swift.max(1, total / Swift.max(grain, 1))
        let chunks = Swift.min(maxChunks, threads == 1 ? 1 : threads * 4)
        if chunks <= 1 {
            body(0..<total)
            return
        }
        WorkerPool.shared.run(tasks: chunks, threads: threads) { i in
            let lo = total * i / chunks
            let hi = total * (i + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}
