import Synchronization
import Serving
import CamsiftCore

/// Holds the classifier the inference thread uses. A swap takes effect between batches: the thread reads
/// the slot once per batch, so no frame is ever classified by a half-installed model, and the old model
/// stays alive until the batch that uses it finishes.
public final class ModelSlot: Sendable {
    private let current: Mutex<(any FrameClassifier)?>
    private let swaps = Atomic<Int>(0)
    private let installed: Mutex<Double>
    private let windowModel = Mutex<WindowClassifier?>(nil)
    private let tagModel = Mutex<TagClassifier?>(nil)

    public init(_ initial: (any FrameClassifier)?) {
        current = Mutex(initial)
        installed = Mutex(Timestamp.now())
    }

    /// Unix seconds when the serving classifier was installed (the slot's creation, i.e. daemon start-up, or
    /// the last swap).
    public var installedAt: Double { installed.withLock { $0 } }

    public var classifier: (any FrameClassifier)? { current.withLock { $0 } }

    /// Installs `new` and returns the previous classifier.
    @discardableResult
    public func swap(_ new: any FrameClassifier) -> (any FrameClassifier)? {
        let old = current.withLock { slot -> (any FrameClassifier)? in
            let o = slot
            slot = new
            return o
        }
        swaps.add(1, ordering: .relaxed)
        installed.withLock { $0 = Timestamp.now() }
        return old
    }

    /// The window model run beside the classifier (issue 18), if the models directory has one.
    public var window: WindowClassifier? { windowModel.withLock { $0 } }

    /// Installs (or, with nil, removes) the window model; takes effect from the next batch.
    public func setWindow(_ w: WindowClassifier?) { windowModel.withLock { $0 = w } }

    /// The tags model run on each classified frame (issue 19), if the models directory has one.
    public var tags: TagClassifier? { tagModel.withLock { $0 } }

    public func setTags(_ t: TagClassifier?) { tagModel.withLock { $0 = t } }

    public var swapCount: Int { swaps.load(ordering: .relaxed) }
}
