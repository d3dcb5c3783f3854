import CAllocationCounter
import Testing
@testable import NN

/// Issue 4: "an inference call allocates nothing after warm-up". Allocations are counted by interposing malloc
/// (CAllocationCounter) on the calling thread, which runs its own share of every parallel region, so per-call
/// scratch arrays, boxed closures or Swift arrays in the hot path show up as a non-zero count.
@Suite("Inference allocations", .serialized)
struct InferenceAllocationTests {
    /// Allocations made by `body` on this thread.
    static func allocations(_ body: () -> Void) -> Int64 {
        camsift_allocations_begin()
        body()
        return camsift_allocations_end()
    }

    @Test func theCounterSeesAllocations() {
        // The mechanism itself can fail a test: an array and a tensor are counted.
        let n = Self.allocations {
            let a = [Float](repeating: 1, count: 1000 + Int.random(in: 0..<2))
            let t = Tensor(zeros: Shape([a.count]))
            #expect(t.count == a.count)
        }
        #expect(n >= 2)
    }

    /// Allocation-free inference is a property of optimized builds (`make test` runs `-c release`): unoptimized
    /// Swift heap-allocates closure contexts that the optimizer keeps on the stack.
    #if DEBUG
    static let optimized = false
    #else
    static let optimized = true
    #endif

    @Test(.enabled(if: optimized, "needs an optimized build (swift test -c release)"), arguments: [1, 4])
    func efficientNetLogitsAllocateNothingAfterWarmUp(batch: Int) throws {
        let net = try EfficientNetLite0(modelFile: RealModel.load(), threads: 2)
        let input = randomTensor([batch, 3, net.inputSize, net.inputSize], seed: 3)
        let out = UnsafeMutableBufferPointer<Float>.allocate(capacity: batch * net.classCount)
        defer { out.deallocate() }
        let images = UnsafeBufferPointer(start: input.pointer, count: input.count)
        for _ in 0..<2 { net.logits(batch: images, n: batch, into: out) }   // warm-up
        let counted = Self.allocations {
            for _ in 0..<10 { net.logits(batch: images, n: batch, into: out) }
        }
        #expect(counted == 0, "\(counted) allocations in 10 calls at batch \(batch)")
        // The array-returning convenience allocates its result: the counter sees calls into this network too.
        let convenience = Self.allocations { _ = net.logits(batch: images, n: batch) }
        #expect(convenience >= 1)
    }
}
