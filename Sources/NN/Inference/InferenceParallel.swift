import Foundation

/// Fork-join over `iterations` indices on GCD's worker threads (`concurrentPerform`), for kernels whose
/// iterations write disjoint ranges of preallocated buffers. `concurrentPerform` demands a `@Sendable` body;
/// the kernels capture raw pointers, which are safe here because each index owns a disjoint slice and the
/// call returns only after every index has finished (a join), so nothing outlives or races the caller.
enum InferenceParallel {
    private struct UncheckedBody: @unchecked Sendable {
        let run: (Int) -> Void
    }

    static func forEach(_ iterations: Int, _ body: (Int) -> Void) {
        if iterations == 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedBody(run: escapable)
            DispatchQueue.concurrentPerform(iterations: iterations) { box.run($0) }
        }
    }
}
