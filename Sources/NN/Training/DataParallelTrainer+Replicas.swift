/// Replica bookkeeping: building replicas, the per-shard work, and the fixed-order reductions after it.
extension DataParallelTrainer {
    /// A copy of the model for one shard: its own activations, caches, gradients and loss; values synced from the
    /// model each step. Replica 0 is the model itself.
    struct Replica {
        let model: Sequential
        let loss: SoftmaxCrossEntropy
        let parameters: [Parameter]
        let buffers: [Tensor]
    }

    /// BatchNorm running statistics and any other saved non-trainable tensors, in `namedParameters()` order.
    static func buffers(of model: any Layer) -> [Tensor] {
        var out: [Tensor] = []
        model.visit(prefix: "") { _, layer in
            for (_, t) in layer.ownBuffers { out.append(t) }
        }
        return out
    }

    /// Builds replicas up to `count` (replica 0 is the model) and checks they match the model tensor for tensor.
    func prepareReplicas(_ count: Int) throws {
        if replicas.isEmpty {
            replicas.append(Replica(model: model, loss: SoftmaxCrossEntropy(), parameters: masterParameters,
                                    buffers: masterBuffers))
        }
        while replicas.count < count {
            let k = replicas.count
            let copy = try makeReplica(k)
            let mine = model.namedParameters(), theirs = copy.namedParameters()
            guard mine.count == theirs.count,
                  zip(mine, theirs).allSatisfy({ $0.0 == $1.0 && $0.1.shape == $1.1.shape }) else {
                throw NNError(code: .shapeMismatch,
                    message: "DataParallelTrainer: replica \(k) does not match the model's tensors; makeReplica "
                    + "must build the same architecture")
            }
            copy.visit(prefix: "") { _, layer in
                if let dropout = layer as? Dropout { dropout.reseed(stream: UInt64(k)) }
            }
            replicas.append(Replica(model: copy, loss: SoftmaxCrossEntropy(), parameters: copy.parameters().map(\.1),
                                    buffers: Self.buffers(of: copy)))
        }
    }

    /// Copies the model's running statistics into replicas 1..<count. Done before the shards start, because
    /// replica 0 (the model) updates them during its forward.
    func syncBuffers(_ count: Int) {
        for k in 1..<count {
            for (mine, master) in zip(replicas[k].buffers, masterBuffers) { mine.assign(master) }
        }
    }

    /// Shard k's forward + loss + backward on the calling thread; returns its share of the batch loss.
    func runShard(_ k: Int, _ x: Tensor, labels: [Int], classWeights: [Float]?, sampleWeights: [Float]?,
                  normalizer: Float, mix: MixedLabels? = nil) throws -> Float {
        let replica = replicas[k]
        if k > 0 {
            for (mine, master) in zip(replica.parameters, masterParameters) {
                mine.value.assign(master.value)
                mine.isFrozen = master.isFrozen
            }
            replica.model.needsInputGradient = model.needsInputGradient
        }
        for p in replica.parameters { p.zeroGrad() }
        let logits = try replica.model.forward(x, training: true)
        replica.loss.logitOffsets = logitOffsets
        let loss = try replica.loss.forward(logits, labels: labels, classWeights: classWeights,
                                            sampleWeights: sampleWeights, normalizer: normalizer, mix: mix)
        _ = try replica.model.backward(try replica.loss.backward())
        return loss
    }

    /// model.grad = g₀ + g₁ + … in replica order, one parallel pass over all trainable elements (each element is
    /// summed by one task, so the order, and the result, do not depend on the thread count).
    func reduceGradients(_ shards: Int) {
        let trainable = masterParameters.indices.filter { !masterParameters[$0].isFrozen }
        var starts: [Int] = [], total = 0
        for i in trainable {
            starts.append(total)
            total += masterParameters[i].value.count
        }
        NNThreads.parallelChunks(total, grain: 1 << 14) { range in
            // First parameter overlapping the range: the last start ≤ lowerBound.
            var slot = 0
            while slot + 1 < starts.count && starts[slot + 1] <= range.lowerBound { slot += 1 }
            while slot < trainable.count && starts[slot] < range.upperBound {
                let index = trainable[slot], count = masterParameters[index].value.count
                let lo = Swift.max(range.lowerBound - starts[slot], 0)
                let hi = Swift.min(range.upperBound - starts[slot], count)
                let dst = masterParameters[index].grad.pointer
                for r in 1..<shards {
                    let src = replicas[r].parameters[index].grad.pointer
                    for e in lo..<hi { dst[e] += src[e] }
                }
                slot += 1
            }
        }
    }

    /// model.buffer ← model.buffer + Σ_{k>0} (replica_k.buffer − model.buffer) / shards: the mean of the replicas'
    /// running statistics, written so that buffers no replica changed (frozen BatchNorm) stay bit-identical.
    func averageBuffers(_ shards: Int) {
        let scale = 1 / Float(shards)
        for (index, master) in masterBuffers.enumerated() {
            let dst = master.pointer
            for e in 0..<master.count {
                let base = dst[e]
                var delta: Float = 0
                for r in 1..<shards { delta += replicas[r].buffers[index].pointer[e] - base }
                dst[e] = base + delta * scale
            }
        }
    }
}
