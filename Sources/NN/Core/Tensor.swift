#if canImport(Glibc)
import Glibc
#endif

/// A dense float32 tensor in NCHW order (rank 4 for images, rank 2 `[N, features]`, rank 1 for biases).
///
/// A `Tensor` is a *view*: a shape plus an offset into a shared `TensorStorage`. Views are always contiguous
/// (row-major strides), which is what the BLAS and SIMD kernels want; `reshaped(_:)` and `batch(_:)` make new views
/// without copying. Copying a `Tensor` value copies the view, not the data — writes through one view are visible
/// through every other view of the same storage (like a PyTorch tensor, unlike a Swift array).
public struct Tensor {
    public let storage: TensorStorage
    /// Offset of element 0 in `storage`, in floats.
    public let offset: Int
    public let shape: Shape

    /// A zero-filled tensor.
    public init(zeros shape: Shape) {
        storage = TensorStorage(capacity: shape.count)
        offset = 0
        self.shape = shape
    }

    /// A tensor holding `values` (row-major) in a fresh storage.
    public init(shape: Shape, values: [Float]) {
        precondition(values.count == shape.count, "\(values.count) values for shape \(shape)")
        self.init(zeros: shape)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    /// A view of `storage` starting at `offset`.
    public init(storage: TensorStorage, offset: Int = 0, shape: Shape) {
        precondition(offset >= 0 && offset + shape.count <= storage.capacity,
                     "view \(shape) at \(offset) exceeds storage of \(storage.capacity)")
        self.storage = storage
        self.offset = offset
        self.shape = shape
    }

    public var count: Int { shape.count }
    public var strides: [Int] { shape.strides }
    /// Pointer to element 0. Valid while this tensor (or another view of its storage) is alive.
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer + offset }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    /// The same data under another shape with the same element count (no copy).
    public func reshaped(_ newShape: Shape) -> Tensor {
        precondition(newShape.count == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(storage: storage, offset: offset, shape: newShape)
    }

    /// Batch items `range` as a view (no copy): the rows of a rank-2 tensor or images of an NCHW tensor.
    public func batch(_ range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= shape.n, "batch \(range) out of 0..<\(shape.n)")
        return Tensor(storage: storage, offset: offset + range.lowerBound * shape.perItem,
                      shape: shape.withBatch(range.count))
    }

    /// A deep copy in a fresh storage.
    public func copy() -> Tensor {
        let out = Tensor(zeros: shape)
        out.pointer.update(from: pointer, count: count)
        return out
    }

    /// The elements as a Swift array (allocates; for tests, results and I/O, not the hot path).
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Element access by full index (slow path: tests and tooling).
    public subscript(_ index: Int...) -> Float {
        get { pointer[flatIndex(index)] }
        nonmutating set { pointer[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.rank, "index \(index) for shape \(shape)")
        var flat = 0
        for (i, s) in zip(index, strides) {
            flat += i * s
        }
        return flat
    }

    /// Sets every element to `value`.
    public func fill(_ value: Float) {
        if value == 0 {
            memset(pointer, 0, count * MemoryLayout<Float>.stride)
        } else {
            pointer.update(repeating: value, count: count)
        }
    }

    /// Copies `other`'s elements (same count) into this tensor.
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "assign \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor\(shape)" }
}
