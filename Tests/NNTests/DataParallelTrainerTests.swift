import CamsiftCore
import Testing
@testable import NN

/// Data-parallel training: one shard is the plain step, shards add up to the whole batch where the model has no
/// batch statistics, seeded runs repeat bit for bit, and OpenBLAS stays at one thread.
@Suite(.serialized) struct DataParallelTrainerTests {
    /// Conv-ReLU-GAP-Dense: no BatchNorm, no dropout, so a sharded step must equal the whole-batch step.
    static func plainNet(seed: UInt64) -> Sequential {
        var rng = SeededGenerator(seed: seed)
        return Sequential([
            ("conv", Conv2D(1, 6, kernel: 3, padding: 1, rng: &rng)), ("relu", ReLU()),
            ("gap", GlobalAvgPool()), ("fc", Dense(6, 3, rng: &rng)),
        ])
    }

    static func data(_ n: Int, size: Int = 10) -> (Tensor, [Int]) {
        (randomTensor([n, 1, size, size], seed: 5), (0..<n).map { ($0 * 7) % 3 })
    }

    static func withThreads<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
        let saved = NNThreads.count
        defer { NNThreads.set(saved) }
        NNThreads.set(n)
        return try body()
    }

    /// Parameters after `steps` trainer steps with `replicas` shards on `threads` threads, and the losses.
    static func trainPlain(replicas: Int, threads: Int = 2, steps: Int, classWeights: [Float]? = nil,
                           sampleWeights: [Float]? = nil) throws -> ([Float], [Float]) {
        try withThreads(threads) {
            let model = plainNet(seed: 3)
            let trainer = DataParallelTrainer(model: model, optimizer: SGD(model, learningRate: 0.1, momentum: 0.9),
                                              replicas: replicas) {
                _ in plainNet(seed: 99)   // different init on purpose: replicas must take the model's weights
            }
            trainer.minimumShard = 4
            let (x, y) = data(16)
            var losses: [Float] = []
            for _ in 0..<steps {
                losses.append(try trainer.step(x, labels: y, classWeights: classWeights, sampleWeights: sampleWeights))
            }
            return (model.namedParameters().flatMap(\.1.array), losses)
        }
    }

    @Test func shardsAddUpToTheWholeBatchWithoutBatchStatistics() throws {
        let (one, lossOne) = try Self.trainPlain(replicas: 1, steps: 3)
        let (two, lossTwo) = try Self.trainPlain(replicas: 2, steps: 3)
        let (four, _) = try Self.trainPlain(replicas: 4, steps: 3)
        #expect(zip(one, two).map { abs($0 - $1) }.max()! < 1e-5)
        #expect(zip(one, four).map { abs($0 - $1) }.max()! < 1e-5)
        #expect(zip(lossOne, lossTwo).map { abs($0 - $1) }.max()! < 1e-5)
        #expect(lossOne.last! < lossOne.first!)
    }

    @Test func weightedLossIsNormalisedOverTheWholeBatch() throws {
        // Uneven weights: each shard's own Σ weights differs from the batch's, so a per-shard mean would differ.
        let classWeights: [Float] = [0.2, 1, 3]
        let sampleWeights = (0..<16).map { Float($0 % 5) * 0.5 }
        let (one, lossOne) = try Self.trainPlain(replicas: 1, steps: 2, classWeights: classWeights,
                                                 sampleWeights: sampleWeights)
        let (two, lossTwo) = try Self.trainPlain(replicas: 2, steps: 2, classWeights: classWeights,
                                                 sampleWeights: sampleWeights)
        #expect(zip(one, two).map { abs($0 - $1) }.max()! < 1e-5)
        #expect(zip(lossOne, lossTwo).map { abs($0 - $1) }.max()! < 1e-5)
    }

    @Test func oneShardIsThePlainStep() throws {
        try Self.withThreads(2) {
            let a = try SmallCNN.make(inputChannels: 1, inputSize: 12, classes: 3, seed: 4)
            let b = try SmallCNN.make(inputChannels: 1, inputSize: 12, classes: 3, seed: 4)
            let trainer = DataParallelTrainer(model: a, optimizer: SGD(a, learningRate: 0.05, momentum: 0.9),
                                              replicas: 2) { _ in
                try SmallCNN.make(inputChannels: 1, inputSize: 12, classes: 3, seed: 4)
            }
            trainer.minimumShard = 64   // batch 16 → one shard
            let optimizer = SGD(b, learningRate: 0.05, momentum: 0.9), loss = SoftmaxCrossEntropy()
            let (x, y) = Self.data(16, size: 12)
            for _ in 0..<3 {
                let l1 = try trainer.step(x, labels: y)
                // The plain step on one thread: a shard never splits its GEMMs (see DataParallelTrainer.step).
                let l2 = try NNThreads.serially {
                    optimizer.zeroGrad()
                    let l = try loss.forward(try b.forward(x, training: true), labels: y)
                    _ = try b.backward(try loss.backward())
                    return l
                }
                optimizer.step()
                #expect(l1 == l2)
            }
            #expect(a.namedParameters().flatMap(\.1.array) == b.namedParameters().flatMap(\.1.array))
        }
    }

    /// SmallCNN with BatchNorm and dropout on 2 shards: the same seed gives the same numbers twice, whether the
    /// shards run on 2 threads or one after another on 1 (the replica count, not the thread count, decides).
    @Test func seededShardedTrainingRepeatsExactly() throws {
        func run(threads: Int) throws -> ([Float], [Float], DataParallelTrainer) {
            try Self.withThreads(threads) {
                let model = try SmallCNN.make(inputChannels: 1, inputSize: 12, classes: 3, seed: 7)
                let trainer = DataParallelTrainer(model: model, optimizer: SGD(model, learningRate: 0.05,
                                                                                momentum: 0.9), replicas: 2) { _ in
                    try SmallCNN.make(inputChannels: 1, inputSize: 12, classes: 3, seed: 7)
                }
                let (x, y) = Self.data(32, size: 12)
                var losses: [Float] = []
                for _ in 0..<4 { losses.append(try trainer.step(x, labels: y)) }
                return (model.namedParameters().flatMap(\.1.array), losses, trainer)
            }
        }
        let (p1, l1, trainer) = try run(threads: 2)
        let (p2, l2, _) = try run(threads: 2)
        let (p3, l3, _) = try run(threads: 1)
        #expect(trainer.replicas.count == 2)
        #expect(p1 == p2 && p1 == p3)
        #expect(l1 == l2 && l1 == l3)
        #expect(l1.allSatisfy { $0.isFinite })
    }

    @Test func runningMeanFollowsTheWholeBatchMean() throws {
        func bnMean(replicas: Int) throws -> [Float] {
            try Self.withThreads(2) {
                var rng = SeededGenerator(seed: 2)
                func net() -> Sequential {
                    Sequential([("conv", Conv2D(1, 4, kernel: 3, padding: 1, rng: &rng)), ("bn", BatchNorm2d(channels: 4)),
                                ("gap", GlobalAvgPool()), ("fc", Dense(4, 3, rng: &rng))])
                }
                let model = net()
                let trainer = DataParallelTrainer(model: model, optimizer: SGD(model, learningRate: 0),
                                                  replicas: replicas) { _ in net() }
                trainer.minimumShard = 4
                let (x, y) = Self.data(16)
                for i in 0..<x.count { x.pointer[i] += Float(i % 7) * 0.3 }   // non-zero, image-dependent means
                try trainer.step(x, labels: y)
                return (model["bn"] as! BatchNorm2d).runningMean.array
            }
        }
        let whole = try bnMean(replicas: 1), sharded = try bnMean(replicas: 2)
        #expect(whole.contains { abs($0) > 1e-3 })
        #expect(zip(whole, sharded).map { abs($0 - $1) }.max()! < 1e-5)
    }

    @Test func openBLASStaysSingleThreaded() throws {
        try Self.withThreads(2) {
            #expect(NNThreads.blasThreads == 1)
            _ = try Self.trainPlain(replicas: 2, steps: 1)
            #expect(NNThreads.blasThreads == 1)
        }
    }
}
