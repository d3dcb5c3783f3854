#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Learning
import NN

/// `camsift-bench temporal`: issue 18's benchmark — the six rows of Pouyanfar, Chen & Shyu ("Deep Spatio-Temporal
/// Representation Learning for Multi-Class Imbalanced Data Classification", Table 2's layout: LSTM, + class
/// weighting, + oversampling, + both, ResBiLSTM + oversampling, + weighting) on real sequences: JapaneseVowels
/// (sktime 1.2.0's `.ts` files, 9 speakers, 12 LPC channels, 7–29 steps), its training set made imbalanced with
/// the paper's recipe (`ImbalanceCut`, largest ≥ 8× smallest, seeded), the test set whole.
///
/// Per seed, Swift prepares everything once — cut, per-channel standardisation (training statistics), Algorithm 1
/// (`TemporalOversampler`, α = `--alpha`, jitter + scaling in place of RandAug) for the oversampled rows, every
/// training video once at α frames for the others, the test set resampled evenly to α — and writes the arrays to
/// `WORK/seed-S/`. The PyTorch peer (`bench/temporal_peer.py`) trains the same six rows on exactly those arrays
/// with the same architecture and hyper-parameters, in the same run, beside camsift (one thread each). Both sets of
/// predictions are scored by camsift's `ClassificationMetrics`.
///
/// Options: `--data DIR` (weights/JapaneseVowels), `--work DIR`, `--seeds 1,2,3`, `--alpha 20`, `--epochs 60`,
/// `--lr 1e-3`, `--batch 32`, `--projection 64`, `--dense 128`, `--python /usr/bin/python3`,
/// `--peer-script bench/temporal_peer.py`, `--published-lr 1|0` (also train two rows at the paper's lr 1e-6 on the
/// first seed, reported, not gated), `--peer 0` (camsift only).
enum TemporalBench {
    struct Row: Sendable {
        var key: String, name: String
        var kind: WindowNetwork.Kind
        var oversampled: Bool, weighted: Bool
    }

    static let rows: [Row] = [
        Row(key: "lstm", name: "LSTM", kind: .plainLSTM, oversampled: false, weighted: false),
        Row(key: "lstm-w", name: "LSTM + class weighting", kind: .plainLSTM, oversampled: false, weighted: true),
        Row(key: "lstm-o", name: "LSTM + oversampling", kind: .plainLSTM, oversampled: true, weighted: false),
        Row(key: "lstm-ow", name: "LSTM + oversampling + weighting", kind: .plainLSTM, oversampled: true, weighted: true),
        Row(key: "resbilstm-o", name: "ResBiLSTM + oversampling", kind: .resBiLSTM, oversampled: true, weighted: false),
        Row(key: "resbilstm-ow", name: "ResBiLSTM + oversampling + weighting", kind: .resBiLSTM, oversampled: true,
            weighted: true),
    ]

    struct Settings: Sendable {
        var data = "weights/JapaneseVowels"
        var work = "/tmp/camsift-temporal"
        var seeds: [UInt64] = [1, 2, 3]
        var alpha = 20
        var epochs = 60
        var learningRate: Float = 1e-3
        var batch = 32
        var projection = 64
        var dense = 128
        var dropout: Float = 0.2
        var weightDecay: Float = 3e-4
        var ratio = 8.0
        var python = "/usr/bin/python3"
        var peerScript = "bench/temporal_peer.py"
        var publishedLR = true
        var peer = true

        init(_ a: [String]) throws {
            var o: [String: String] = [:]
            var i = 0
            while i < a.count {
                if a[i].hasPrefix("--"), i + 1 < a.count { o[String(a[i].dropFirst(2))] = a[i + 1]; i += 2 } else { i += 1 }
            }
            func num<T: LosslessStringConvertible>(_ k: String, _ d: T) throws -> T {
                guard let s = o[k] else { return d }
                guard let v = T(s) else { throw LearningError(.badArgument, "temporal: --\(k) '\(s)' is not a number") }
                return v
            }
            data = o["data"] ?? data
            work = o["work"] ?? work
            if let s = o["seeds"] { seeds = s.split(separator: ",").compactMap { UInt64($0) } }
            alpha = try num("alpha", alpha)
            epochs = try num("epochs", epochs)
            learningRate = try num("lr", learningRate)
            batch = try num("batch", batch)
            projection = try num("projection", projection)
            dense = try num("dense", dense)
            dropout = try num("dropout", dropout)
            weightDecay = try num("weight-decay", weightDecay)
            ratio = try num("ratio", ratio)
            python = o["python"] ?? python
            peerScript = o["peer-script"] ?? peerScript
            publishedLR = (o["published-lr"] ?? "1") != "0"
            peer = (o["peer"] ?? "1") != "0"
            guard !seeds.isEmpty else { throw LearningError(.badArgument, "temporal: --seeds needs at least one seed") }
        }

        func network(_ kind: WindowNetwork.Kind, features: Int, classes: Int) -> WindowNetwork.Config {
            WindowNetwork.Config(kind: kind, features: features, classes: classes, projection: projection, dense: dense,
                                 dropout: dropout, denseDropout: 0.5, window: alpha)
        }

        func training(_ row: Row, seed: UInt64, learningRate lr: Float? = nil) -> WindowTrainingConfiguration {
            WindowTrainingConfiguration(epochs: epochs, batchSize: batch, learningRate: lr ?? learningRate,
                                        weightDecay: weightDecay, classWeighting: row.weighted, seed: seed)
        }
    }

    /// One seed's prepared data: the cut, both training variants at α frames, the test set at α frames.
    struct Prepared {
        var seed: UInt64
        var cut: ImbalanceCut
        var plain: SequenceSet, oversampled: SequenceSet, test: SequenceSet
    }

    /// Macro F1, accuracy and weighted F1 of one (engine, row, seed) run.
    struct Score: Sendable {
        var metrics: ClassificationMetrics
        var seconds: Double
    }

    static func run(_ args: [String]) async throws -> Int32 {
        let s = try Settings(args)
        NNThreads.set(1)  // one core for camsift, one for the peer training beside it
        let dir = URL(fileURLWithPath: s.data).path
        let trainSet = try TSFile.load(dir + "/JapaneseVowels_TRAIN.ts"), testSet = try TSFile.load(dir + "/JapaneseVowels_TEST.ts")
        let lr = trainSet.lengthRange
        print("camsift-bench temporal: JapaneseVowels \(trainSet.count) train / \(testSet.count) test, \(trainSet.classCount) classes, "
            + "\(trainSet.featureCount) channels, \(lr.min)–\(lr.max) steps; α = \(s.alpha), epochs \(s.epochs), lr \(s.learningRate), "
            + "batch \(s.batch), P = \(s.projection), D = \(s.dense), L2 λ = \(s.weightDecay), seeds \(s.seeds.map(String.init).joined(separator: ","))")
        try FileManager.default.createDirectory(atPath: s.work, withIntermediateDirectories: true)
        var prepared: [Prepared] = []
        for seed in s.seeds {
            let p = try prepare(train: trainSet, test: testSet, seed: seed, settings: s)
            try write(p, settings: s)
            prepared.append(p)
            print("seed \(seed): imbalanced train counts \(p.cut.counts) (ratio \(String(format: "%.1f", p.cut.ratio))), "
                + "oversampled \(p.oversampled.classCounts) = \(p.oversampled.count) windows")
        }
        let t0 = Date()
        async let peerScores: [String: [Int]]? = s.peer ? TemporalPeer.run(settings: s, rows: rows) : nil
        var mine: [String: [Score]] = [:]
        for p in prepared {
            for (r, row) in rows.enumerated() {
                mine[row.key, default: []].append(try train(row, index: r, on: p, settings: s))
            }
        }
        let camsiftSeconds = Date().timeIntervalSince(t0)
        var published: [(String, Double)] = []
        if s.publishedLR, let p = prepared.first {
            for (r, row) in rows.enumerated() where row.key == "lstm" || row.key == "resbilstm-o" {
                let sc = try train(row, index: r, on: p, settings: s, learningRate: WindowTrainingConfiguration.publishedLearningRate)
                published.append((row.name, sc.metrics.macroF1))
            }
        }
        let peerPredictions = try await peerScores
        var peer: [String: [Score]] = [:]
        if let peerPredictions {
            for p in prepared {
                for row in rows {
                    guard let pred = peerPredictions["\(p.seed)/\(row.key)"], pred.count == p.test.count else {
                        throw LearningError(.badArgument, "temporal: the peer returned no predictions for seed \(p.seed) \(row.key)")
                    }
                    let m = ClassificationMetrics(truth: p.test.labels, predicted: pred, classCount: p.test.classCount)
                    peer[row.key, default: []].append(Score(metrics: m, seconds: 0))
                }
            }
        }
        print(String(format: "camsift trained %d runs in %.1f s (wall, beside the peer)", rows.count * prepared.count, camsiftSeconds))
        return try report(mine: mine, peer: peerPredictions == nil ? nil : peer, published: published, settings: s)
    }
}
