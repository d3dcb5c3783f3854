#if canImport(Glibc)
import Glibc
#endif

/// The heap buffer behind one or more `Tensor` views: 64-byte aligned (a cache line, one `SIMD16<Float>`) float32
/// memory that lives as long as any view does. Layers keep their storages across steps and reuse them when the
/// shape repeats, so the training and inference hot paths allocate nothing after warm-up.
///
/// `@unchecked Sendable`: the storage itself carries no synchronisation. A model and its buffers are confined to
/// the one thread that runs it; the worker pool only touches disjoint ranges while the owner waits.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let capacity: Int

    /// Zero-filled storage for `capacity` floats.
    public init(capacity: Int) {
        precondition(capacity >= 0, "negative capacity")
        var raw: UnsafeMutableRawPointer?
        let bytes = Swift.max(capacity, 16) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("TensorStorage: out of memory allocating \(bytes) bytes")
        }
        memset(raw, 0, bytes)
        pointer = raw.bindMemory(to: Float.self, capacity: Swift.max(capacity, 16))
        self.capacity = capacity
    }

    deinit { free(pointer) }
}
