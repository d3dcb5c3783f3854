import Synchronization

/// The input geometry of the model serving right now, shared by the pipeline (which installs models) and
/// ingest (which decodes every sampled frame straight to it). A hot swap to a bundle with another size, fit
/// or crop fraction changes what the next frame is decoded to; frames already in flight are refitted by the
/// inference thread (`DecodedFrame.refitted(to:)`).
public final class ServingGeometry: Sendable {
    private let value: Mutex<InputGeometry>

    public init(_ initial: InputGeometry) { value = Mutex(initial) }

    public var current: InputGeometry { value.withLock { $0 } }

    public func set(_ g: InputGeometry) { value.withLock { $0 = g } }
}
