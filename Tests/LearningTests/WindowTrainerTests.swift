import CamsiftCore
import NN
import Testing
@testable import Learning

/// `WindowTrainer` on synthetic windows whose class is the sign pattern of two channels over time, with a dense
/// model over the flattened window (the trainer is model-agnostic; WindowNetwork has its own tests).
@Suite struct WindowTrainerTests {
    /// 3 classes, `counts` windows each, T = 6, F = 2: class c puts +1 on channel c % 2 in the first half
    /// (class 2: both channels, second half), plus noise.
    func windows(_ counts: [Int], seed: UInt64) throws -> SequenceSet {
        var rng = SeededGenerator(seed: seed)
        var seqs: [[Float]] = [], labels: [Int] = []
        for (c, n) in counts.enumerated() {
            for _ in 0..<n {
                var s = [Float](repeating: 0, count: 12)
                for t in 0..<6 {
                    for j in 0..<2 {
                        let on = c == 2 ? t >= 3 : (t < 3 && j == c)
                        s[t * 2 + j] = (on ? 1 : 0) + rng.uniform(0.3)
                    }
                }
                seqs.append(s)
                labels.append(c)
            }
        }
        return try SequenceSet(featureCount: 2, sequences: seqs, labels: labels, classNames: ["a", "b", "c"])
    }

    func model(seed: UInt64) -> Sequential {
        var rng = SeededGenerator(seed: seed)
        return Sequential([("fc", Dense(12, 3, rng: &rng))])
    }

    @Test func learnsSeparableWindows() throws {
        let train = try windows([40, 40, 40], seed: 1), test = try windows([30, 30, 30], seed: 2)
        let m = model(seed: 3)
        let before = try WindowTrainer.evaluate(m, on: test)
        let trainer = try WindowTrainer(configuration: .init(epochs: 40, batchSize: 16, learningRate: 0.01, seed: 4))
        let r = try trainer.train(m, on: train)
        #expect(r.epochLosses.count == 40 && r.epochLosses.last! < r.epochLosses.first! * 0.5)
        let after = try WindowTrainer.evaluate(m, on: test)
        #expect(after.accuracy > 0.95 && after.accuracy > before.accuracy)
        #expect(after.macroF1 > 0.95 && after.weightedF1 > 0.95)
    }

    /// Both kinds of `WindowNetwork` (the paper's residual BiLSTM and the LSTM baseline) learn the windows through
    /// the trainer: BatchNorm, dropout and the recurrent layers all in the loop.
    @Test(arguments: [WindowNetwork.Kind.resBiLSTM, .plainLSTM])
    func trainsTheWindowNetwork(_ kind: WindowNetwork.Kind) throws {
        let train = try windows([30, 30, 30], seed: 1), test = try windows([20, 20, 20], seed: 2)
        let config = WindowNetwork.Config(kind: kind, features: 2, classes: 3, projection: 8, dense: 16, window: 6)
        let m = try WindowNetwork.make(config, seed: 3)
        let r = try WindowTrainer(configuration: .init(epochs: 30, batchSize: 16, learningRate: 0.01, seed: 4))
            .train(m, on: train)
        #expect(r.epochLosses.last! < r.epochLosses.first!)
        let after = try WindowTrainer.evaluate(m, on: test)
        #expect(after.accuracy > 0.9, "\(kind): \(after.accuracy)")
    }

    @Test func classWeightingUsesInverseFrequency() throws {
        let train = try windows([40, 10, 4], seed: 1)
        let trainer = try WindowTrainer(configuration: .init(epochs: 1, classWeighting: true))
        let r = try trainer.train(model(seed: 1), on: train)
        // w_c = N / (C·n_c) with N = 54, C = 3.
        #expect(r.classWeights == [Float(54.0 / 120), Float(54.0 / 30), Float(54.0 / 12)])
        let plain = try WindowTrainer(configuration: .init(epochs: 1)).train(model(seed: 1), on: train)
        #expect(plain.classWeights == nil)
    }

    @Test func classWeightingLiftsTheMinorityClass() throws {
        // 60 / 60 / 3: unweighted training at few epochs under-predicts class 2; weighted recovers recall.
        let train = try windows([60, 60, 3], seed: 5), test = try windows([30, 30, 30], seed: 6)
        func recall2(_ weighted: Bool) throws -> Double {
            let m = model(seed: 7)
            try WindowTrainer(configuration: .init(epochs: 5, batchSize: 16, learningRate: 0.01,
                                                   classWeighting: weighted, seed: 8)).train(m, on: train)
            return try WindowTrainer.evaluate(m, on: test).recall[2]
        }
        #expect(try recall2(true) > recall2(false))
    }

    @Test func deterministicPerSeed() throws {
        let train = try windows([20, 20, 20], seed: 1)
        func run(_ seed: UInt64) throws -> [Float] {
            let m = model(seed: 3)
            try WindowTrainer(configuration: .init(epochs: 3, batchSize: 8, seed: seed)).train(m, on: train)
            return m.namedParameters().flatMap { $0.1.array }
        }
        #expect(try run(1) == run(1))
        #expect(try run(1) != run(2))
    }

    @Test func rejectsRaggedSetsAndBadSettings() throws {
        let ragged = try SequenceSet(featureCount: 1, sequences: [[1, 2], [1, 2, 3]], labels: [0, 1], classNames: ["a", "b"])
        let t = try WindowTrainer(configuration: .init(epochs: 1))
        #expect(throws: LearningError.self) { try t.train(model(seed: 1), on: ragged) }
        #expect(throws: LearningError.self) { try WindowTrainer(configuration: .init(batchSize: 1)) }
    }

    @Test func standardizationUsesTrainingStatistics() throws {
        let s = try SequenceSet(featureCount: 2, sequences: [[1, 10, 3, 30], [5, 20]], labels: [0, 0], classNames: ["a"])
        let (mean, std) = s.channelStatistics()
        #expect(mean == [3, 20])
        #expect(abs(std[0] - (8.0 / 3.0).squareRoot()) < 1e-5)
        let z = s.standardized(mean: mean, std: std)
        #expect(abs(z.sequences[0][0] + (3 - 1) / std[0]) < 1e-5)
        #expect(z.channelStatistics().mean.allSatisfy { abs($0) < 1e-5 })
    }
}
