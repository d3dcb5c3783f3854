/// One reusable output or scratch buffer of a layer: `tensor(_:)` returns a view of the requested shape and only
/// allocates when the capacity needed grows (first step, or a larger batch). This is the allocation-reuse rule of
/// the hot path: after warm-up a training step or an inference call allocates no tensor memory.
///
/// The returned view is overwritten by the next call, so a layer's output stays valid only until that layer runs
/// again — callers that keep results across calls copy them (`Tensor.copy()` / `.array`).
public struct TensorCache {
    private var storage: TensorStorage?

    public init() {}

    /// A view of `shape`, reusing the held storage when it is large enough. Contents are unspecified unless
    /// `zeroed` is set.
    public mutating func tensor(_ shape: Shape, zeroed: Bool = false) -> Tensor {
        if storage == nil || storage!.capacity < shape.count {
            storage = TensorStorage(capacity: shape.count)
            return Tensor(storage: storage!, shape: shape)
        }
        let view = Tensor(storage: storage!, shape: shape)
        if zeroed { view.fill(0) }
        return view
    }

    /// Scratch memory of `count` floats (same reuse rule).
    public mutating func scratch(_ count: Int, zeroed: Bool = false) -> UnsafeMutablePointer<Float> {
        tensor(Shape([Swift.max(count, 1)]), zeroed: zeroed).pointer
    }

    /// Drops the buffer (e.g. after inference on a large batch, to give memory back).
    public mutating func release() { storage = nil }
}
