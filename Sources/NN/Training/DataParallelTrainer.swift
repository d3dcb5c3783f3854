/// One training step = zero gradients, forward, softmax cross-entropy, backward, optimizer step, with the mini-batch
/// split across per-thread replicas of the model (data parallelism).
///
/// Why: parallelising *inside* each layer costs a fork-join per layer and pass (~40 per small-CNN step), and on
/// a small net those regions are too short for the second thread to pay off — measured, 2 threads trained no
/// faster than 1. Here each replica runs a whole forward+backward on its shard single-threaded (its nested GEMMs
/// and kernels run inline), so a step has one parallel region, the shards; the gradient reduction and the
/// optimizer update follow on the calling thread (in parallel only for models over 1 M parameters).
///
/// Semantics (deterministic for a given seed, data and replica count — *not* dependent on how many threads are
/// free at run time, so a busy pool or another test changing `NNThreads` mid-run changes speed, not numbers):
/// - The batch is cut into `shards` contiguous slices, shard k on replica k; replica 0 is `model` itself.
///   `shards = min(replicaCount, batch / minimumShard)`, so one replica is the plain step on one thread. Each
///   shard runs inside `NNThreads.serially`, and the shards share out over up to `NNThreads.count` threads.
/// - The loss of every shard is normalised by the *whole* batch's Σ weights, so the shard losses and gradients
///   add up to the full batch's (PyTorch `CrossEntropyLoss` mean semantics, class and sample weights included).
/// - Gradients are summed element by element in replica order 0, 1, …, whichever thread runs which shard.
/// - BatchNorm uses **per-shard batch statistics** (what PyTorch DistributedDataParallel does without
///   SyncBatchNorm, and what Goyal et al. 2017 do on purpose: BN statistics over each worker's n images). A synchronised BN
///   would need two extra barriers per BN layer, which is the cost this type exists to remove; with shards of
///   ≥ `minimumShard` images the statistics stay well-conditioned. Running statistics: every replica starts the
///   step from the model's running mean/var and the model keeps their average afterwards, which for equal shards
///   is exactly the momentum update with the mean of the shard means.
/// - Dropout in replica k > 0 draws from its own seeded stream (the layer's seed mixed with k).
/// - Replicas copy the model's parameter values at the start of every step, so loading or restoring weights into
///   `model` between steps needs no extra call; frozen flags are copied too.
public final class DataParallelTrainer {
    /// The model being trained (replica 0); the optimizer updates its parameters.
    public let model: Sequential
    public let optimizer: any Optimizer
    /// Replicas (shards per batch) to use; fixed at init, normally the thread budget then (`NNThreads.count`).
    public let replicaCount: Int
    /// Smallest shard: below this many images per replica, fewer replicas are used (BN statistics of a handful of
    /// images are noisy, and the work no longer pays for a thread).
    public var minimumShard = 8

    let makeReplica: (Int) throws -> Sequential
    var replicas: [Replica] = []
    /// The model's parameters and buffers in `namedParameters()` order (replica 0's view of `Replica`).
    let masterParameters: [Parameter]
    let masterBuffers: [Tensor]
    /// Trainable scalars (at init); below `parallelTailThreshold` the reduction and update run serially.
    let trainableCount: Int
    static let parallelTailThreshold = 1 << 20

    /// `makeReplica(k)` must build the same architecture as `model` (same names and shapes); its weights are
    /// overwritten from `model` before every step.
    public init(model: Sequential, optimizer: any Optimizer, replicas: Int = NNThreads.count,
                makeReplica: @escaping (Int) throws -> Sequential) {
        self.model = model
        replicaCount = Swift.max(1, replicas)
        self.optimizer = optimizer
        self.makeReplica = makeReplica
        masterParameters = model.parameters().map(\.1)
        masterBuffers = Self.buffers(of: model)
        trainableCount = masterParameters.reduce(0) { $0 + $1.value.count }
    }

    /// Per-class offsets added to the logits inside the loss (`SoftmaxCrossEntropy.logitOffsets`).
    public var logitOffsets: [Float]?

    /// Runs one step on `x` and returns the batch's mean (weighted) loss.
    @discardableResult
    public func step(_ x: Tensor, labels: [Int], classWeights: [Float]? = nil,
                     sampleWeights: [Float]? = nil, mix: MixedLabels? = nil) throws -> Float {
        let n = x.shape.n
        guard labels.count == n, n > 0 else {
            throw NNError(code: .shapeMismatch,
                message: "DataParallelTrainer: \(labels.count) labels for a batch of \(n)")
        }
        let shards = Swift.max(1, Swift.min(replicaCount, n / Swift.max(minimumShard, 1)))
        try prepareReplicas(shards)
        let normalizer = Self.normalizer(labels: labels, classWeights: classWeights, sampleWeights: sampleWeights)
        if shards > 1 { syncBuffers(shards) }
        let results = UnsafeMutableBufferPointer<Float>.allocate(capacity: shards)
        defer { results.deallocate() }
        var failures = [(any Error)?](repeating: nil, count: shards)
        failures.withUnsafeMutableBufferPointer { errors in
            NNThreads.parallelFor(shards) { k in
                let range = (n * k / shards)..<(n * (k + 1) / shards)
                do {
                    let shard = {
                        try self.runShard(k, x.batch(range), labels: Array(labels[range]), classWeights: classWeights,
                                          sampleWeights: sampleWeights.map { Array($0[range]) }, normalizer: normalizer,
                                          mix: mix?.slice(range))
                    }
                    // Even a lone shard runs confined: OpenBLAS rounds a GEMM split into column blocks differently
                    // from the whole one (its small-matrix kernels kick in below a size), so letting the layers
                    // split by the threads free at the time made seeded runs differ in the last bits.
                    results[k] = try NNThreads.serially(shard)
                } catch {
                    errors[k] = error
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        // A small model's reduction and update take tens of µs: run them on this thread, so a step has one
        // fork-join (on a busy box every wake-up of a descheduled helper can cost a scheduler time slice).
        let serialTail = trainableCount < Self.parallelTailThreshold
        func tail() {
            if shards > 1 {
                reduceGradients(shards)
                averageBuffers(shards)
            }
            optimizer.step()
        }
        if serialTail { NNThreads.serially(tail) } else { tail() }
        var loss: Float = 0
        for k in 0..<shards { loss += results[k] }
        return loss
    }

    /// Σ_i classWeight[y_i] · sampleWeight[i] over the whole batch (labels out of range count 0; the loss throws).
    static func normalizer(labels: [Int], classWeights: [Float]?, sampleWeights: [Float]?) -> Float {
        var total = 0.0
        for (i, label) in labels.enumerated() {
            var a: Float = 1
            if let classWeights { a = classWeights.indices.contains(label) ? classWeights[label] : 0 }
            if let sampleWeights, sampleWeights.indices.contains(i) { a *= sampleWeights[i] }
            total += Double(a)
        }
        return Float(total)
    }
}
