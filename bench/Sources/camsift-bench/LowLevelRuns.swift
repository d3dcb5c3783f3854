import CamsiftCore
import Learning
import NN

/// One concept of `make bench-lowlevel`: the training set (540 seeded positives + the other classes' 54,000),
/// the four rows' batch streams, training of the Table III network, and the 1 %-prevalence test draws.
struct LowLevelRuns {
    struct Scores { var recall = 0.0, precision = 0.0, f1 = 0.0, ap = 0.0 }

    static let positives = 540
    static let batchSize = 1_080

    let concept: Int
    let train: [Float], test: [Float]
    /// Indices into the training images: positives first, then negatives.
    let members: [Int]
    let positiveCount: Int
    let testPositives: [Int], testNegatives: [Int]
    let iterations: Int, seed: UInt64, learningRate: Float

    init(concept: Int, train: [Float], trainLabels: [Int], test: [Float], testLabels: [Int], iterations: Int,
         seed: UInt64, learningRate: Float) {
        self.concept = concept
        self.train = train
        self.test = test
        self.iterations = iterations
        self.seed = seed
        self.learningRate = learningRate
        var rng = SeededGenerator(seed: seed, stream: "lowlevel-positives-\(concept)")
        var pos = trainLabels.indices.filter { trainLabels[$0] == concept }
        rng.shuffle(&pos)
        let neg = trainLabels.indices.filter { trainLabels[$0] != concept }
        members = Array(pos.prefix(Self.positives)) + neg
        positiveCount = Self.positives
        testPositives = testLabels.indices.filter { testLabels[$0] == concept }
        testNegatives = testLabels.indices.filter { testLabels[$0] != concept }
    }

    /// Local labels (1 = positive) of `members`.
    var labels: [Int] { members.indices.map { $0 < positiveCount ? 1 : 0 } }
    var steps: Int { iterations * ((members.count - positiveCount) / (Self.batchSize / 2)) }

    /// The batches (indices into `members`) of one row, `steps` of them.
    func batches(_ row: String) throws -> [[Int]] {
        var rng = SeededGenerator(seed: seed, stream: "lowlevel-\(row)-\(concept)")
        switch row {
        case "table-i":
            let table = try BootstrappedBatches(positives: Array(0..<positiveCount),
                                                negatives: Array(positiveCount..<members.count),
                                                batchSize: Self.batchSize, ratio: 1, rng: &rng)
            return (0..<iterations).flatMap { _ in table.iteration(rng: &rng) }
        case "balanced":
            let sampler = IterationSampler(kind: .balanced, labels: labels, classCount: 2, iterations: iterations,
                                           batchSize: Self.batchSize)
            var stream: [Int] = [], i = 0
            while stream.count < steps * Self.batchSize { stream += sampler.draw(iteration: i, rng: &rng); i += 1 }
            return (0..<steps).map { Array(stream[($0 * Self.batchSize)..<(($0 + 1) * Self.batchSize)]) }
        default:   // plain, weighted: shuffled passes over the training set
            var stream: [Int] = []
            while stream.count < steps * Self.batchSize {
                var pass = Array(members.indices)
                rng.shuffle(&pass)
                stream += pass
            }
            return (0..<steps).map { Array(stream[($0 * Self.batchSize)..<(($0 + 1) * Self.batchSize)]) }
        }
    }

    func run(_ row: String) throws -> Scores {
        let model = try LowLevelCNN.make(seed: seed &+ UInt64(concept))
        let optimizer = Adam(model, learningRate: learningRate)
        let loss = SoftmaxCrossEntropy()
        let local = labels
        // Inverse class frequency N / (|C| n_c), as `SamplerKind.weighted`.
        let n = Float(members.count)
        let weights: [Float]? = row == "weighted"
            ? [n / (2 * Float(members.count - positiveCount)), n / (2 * Float(positiveCount))] : nil
        let x = Tensor(zeros: Shape(n: Self.batchSize, c: 1, h: 18, w: 18))
        for batch in try batches(row) {
            for (k, i) in batch.enumerated() {
                let src = members[i] * 324
                train.withUnsafeBufferPointer { t in
                    (x.pointer + k * 324).update(from: t.baseAddress! + src, count: 324)
                }
            }
            optimizer.zeroGrad()
            try loss.forward(try model.forward(x, training: true), labels: batch.map { local[$0] }, classWeights: weights)
            _ = try model.backward(try loss.backward())
            optimizer.step()
        }
        return try evaluate(model)
    }

    /// Positive-class scores of test images, then 10 draws of 1 % positives.
    func evaluate(_ model: Sequential) throws -> Scores {
        let all = testPositives + testNegatives
        var score = [Int: Float]()
        var start = 0
        while start < all.count {
            let chunk = Array(all[start..<min(all.count, start + 1000)])
            let x = Tensor(shape: Shape(n: chunk.count, c: 1, h: 18, w: 18),
                           values: chunk.flatMap { test[($0 * 324)..<(($0 + 1) * 324)] })
            let logits = try model.forward(x, training: false)
            for (k, i) in chunk.enumerated() { score[i] = logits[k, 1] - logits[k, 0] }
            start += 1000
        }
        var total = Scores()
        let draws = 10, p = testNegatives.count / 100
        for d in 0..<draws {
            var rng = SeededGenerator(seed: seed &+ UInt64(d), stream: "lowlevel-test-\(concept)")
            var pos = testPositives
            rng.shuffle(&pos)
            let chosen = Array(pos.prefix(p))
            let tp = chosen.filter { score[$0]! > 0 }.count
            let fp = testNegatives.filter { score[$0]! > 0 }.count
            let recall = Double(tp) / Double(p)
            let precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
            total.recall += recall
            total.precision += precision
            total.f1 += recall + precision > 0 ? 2 * recall * precision / (recall + precision) : 0
            total.ap += AveragePrecision.of(scores: (chosen + testNegatives).map { score[$0]! },
                                           positive: chosen.map { _ in true } + testNegatives.map { _ in false })
        }
        return Scores(recall: total.recall / Double(draws), precision: total.precision / Double(draws),
                      f1: total.f1 / Double(draws), ap: total.ap / Double(draws))
    }
}
