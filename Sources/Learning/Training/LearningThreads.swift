import NN
import Synchronization

/// The thread budget training may use (`--threads`), handed to the NN engine when it builds networks.
public enum LearningThreads {
    static let value = Atomic<Int>(0)

    /// 0 = the engine's default (all cores).
    public static var count: Int { value.load(ordering: .relaxed) }

    public static func set(_ n: Int) {
        value.store(n, ordering: .relaxed)
        NNThreads.set(n)
    }
}
