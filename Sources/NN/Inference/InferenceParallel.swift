/// Fork-join over `iterations` indices for inference kernels whose iterations write disjoint ranges of
/// preallocated buffers. Runs on `WorkerPool.inference` (its own threads, so inference keeps its parallelism
/// while a trainer holds the engine pool). Not GCD: `concurrentPerform` copies its block to the heap and
/// libdispatch allocates per call, and an inference call must allocate nothing after warm-up
/// (InferenceAllocationTests counts it). Bodies are long-lived escaping closures (see `EfficientNetLite0.Phase`):
/// handing a non-escaping closure to other threads needs `withoutActuallyEscaping`, which heap-allocates a thunk.
enum InferenceParallel {
    static func forEach(_ iterations: Int, _ body: @escaping (Int) -> Void) {
        if iterations == 1 {
            body(0)
            return
        }
        WorkerPool.inference.runEscaping(tasks: iterations, threads: iterations, body)
    }
}
