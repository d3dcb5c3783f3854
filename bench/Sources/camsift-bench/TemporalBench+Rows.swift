#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Learning
import NN

extension TemporalBench {
    /// The paper's imbalance recipe, standardisation on the imbalanced training set, then both training variants.
    static func prepare(train: SequenceSet, test: SequenceSet, seed: UInt64, settings s: Settings) throws -> Prepared {
        let cut = try ImbalanceCut(available: train.classCounts, ratio: s.ratio, seed: seed)
        let small = try cut.apply(to: train, seed: seed)
        let (mean, std) = small.channelStatistics()
        let z = small.standardized(mean: mean, std: std)
        let o = try TemporalOversampler(alpha: s.alpha)
        let plain = try o.oversample(z, augmentation: nil, copiesPerVideo: 1, seed: seed).set
        let over = try o.oversample(z, augmentation: JitterScaling(), seed: seed).set
        let t = try o.resampleEvenly(test.standardized(mean: mean, std: std))
        return Prepared(seed: seed, cut: cut, plain: plain, oversampled: over, test: t)
    }

    /// `WORK/seed-S/{plain,oversampled,test}.f32` (little-endian float32, `[N, α, F]`) and `input.json` (labels,
    /// shapes, the rows, the hyper-parameters) — what the peer reads.
    static func write(_ p: Prepared, settings s: Settings) throws {
        let dir = s.work + "/seed-\(p.seed)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var sets: [String: Any] = [:]
        for (name, set) in [("plain", p.plain), ("oversampled", p.oversampled), ("test", p.test)] {
            let flat = set.sequences.flatMap { $0 }
            let bytes = flat.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
            try AtomicFile.write(bytes, to: dir + "/" + name + ".f32", syncDirectory: false)
            sets[name] = ["file": name + ".f32", "labels": set.labels, "count": set.count] as [String: Any]
        }
        let meta: [String: Any] = [
            "seed": p.seed, "alpha": s.alpha, "features": p.test.featureCount, "classes": p.test.classCount,
            "cut": p.cut.counts, "sets": sets,
            "rows": rows.map { ["key": $0.key, "kind": $0.kind.rawValue, "oversampled": $0.oversampled, "weighted": $0.weighted] },
            "hyper": ["epochs": s.epochs, "lr": Double(s.learningRate), "batch": s.batch, "projection": s.projection,
                      "dense": s.dense, "dropout": Double(s.dropout), "dense_dropout": 0.5, "weight_decay": Double(s.weightDecay),
                      "layers_resbilstm": 2, "layers_lstm": 1] as [String: Any],
        ]
        try AtomicFile.write(Array(try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys])),
                             to: dir + "/input.json", syncDirectory: false)
    }

    /// The network seed of a row: distinct per (seed, row) so rows do not share an initialisation by accident;
    /// the peer seeds torch with the same number.
    static func modelSeed(_ seed: UInt64, _ index: Int) -> UInt64 { seed * 100 + UInt64(index) }

    static func train(_ row: Row, index: Int, on p: Prepared, settings s: Settings, learningRate: Float? = nil) throws -> Score {
        let t = Date()
        let set = row.oversampled ? p.oversampled : p.plain
        let model = try WindowNetwork.make(s.network(row.kind, features: set.featureCount, classes: set.classCount),
                                           seed: modelSeed(p.seed, index))
        let trainer = try WindowTrainer(configuration: s.training(row, seed: modelSeed(p.seed, index), learningRate: learningRate))
        try trainer.train(model, on: set)
        let m = try WindowTrainer.evaluate(model, on: p.test)
        let sec = Date().timeIntervalSince(t)
        FileHandle.standardError.write(Data(String(format: "temporal: camsift seed %llu %@%@: macro F1 %.4f (%.1f s)\n",
            p.seed, row.key, learningRate.map { " lr \($0)" } ?? "", m.macroF1, sec).utf8))
        return Score(metrics: m, seconds: sec)
    }

    static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }

    static func report(mine: [String: [Score]], peer: [String: [Score]]?, published: [(String, Double)],
                       settings s: Settings) throws -> Int32 {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        print("\n| row | camsift macro F1 per seed | camsift macro F1 | accuracy | weighted F1 | PyTorch macro F1 per seed | PyTorch macro F1 | Δ |")
        print("|---|---|---|---|---|---|---|---|")
        for row in rows {
            let m = mine[row.key] ?? []
            let mf = mean(m.map(\.metrics.macroF1))
            let pm = peer?[row.key] ?? []
            let pf = mean(pm.map(\.metrics.macroF1))
            print("| \(row.name) | \(m.map { f($0.metrics.macroF1) }.joined(separator: " / ")) | \(f(mf)) | "
                + "\(f(mean(m.map(\.metrics.accuracy)))) | \(f(mean(m.map(\.metrics.weightedF1)))) | "
                + "\(pm.map { f($0.metrics.macroF1) }.joined(separator: " / ")) | \(peer == nil ? "—" : f(pf)) | "
                + "\(peer == nil ? "—" : String(format: "%+.3f", mf - pf)) |")
        }
        if let p = peer {
            print("PyTorch accuracy / weighted F1 per row: " + rows.map {
                "\($0.key) \(f(mean(p[$0.key]!.map(\.metrics.accuracy)))) / \(f(mean(p[$0.key]!.map(\.metrics.weightedF1))))"
            }.joined(separator: ", "))
        }
        for (name, f1) in published {
            print("published lr 1e-6 (seed \(s.seeds[0]), \(s.epochs) epochs): \(name) macro F1 \(f(f1)) "
                + "(vs \(f(mine[rows.first { $0.name == name }!.key]![0].metrics.macroF1)) at lr \(s.learningRate))")
        }
        try printCost(settings: s)
        var v = Verdicts()
        let lstm = mean(mine["lstm"]!.map(\.metrics.macroF1)), res = mean(mine["resbilstm-o"]!.map(\.metrics.macroF1))
        v.check(res >= lstm + 0.03, "ResBiLSTM + oversampling ≥ LSTM + 0.03 macro F1 (mean of \(s.seeds.count) seeds)",
                f(res), vs: "\(f(lstm)) + 0.03 = \(f(lstm + 0.03))")
        if let peer {
            let pres = mean(peer["resbilstm-o"]!.map(\.metrics.macroF1))
            v.check(abs(res - pres) <= 0.01, "ResBiLSTM + oversampling within 0.01 of PyTorch", f(res), vs: "\(f(pres)) ± 0.01")
            for row in rows {
                let a = mean(mine[row.key]!.map(\.metrics.macroF1)), b = mean(peer[row.key]!.map(\.metrics.macroF1))
                v.check(abs(a - b) <= 0.02, "\(row.name) within 0.02 of PyTorch", f(a), vs: "\(f(b)) ± 0.02")
            }
        } else {
            print("FAIL  PyTorch peer: not run (--peer 0)")
            return 1
        }
        return v.exitCode
    }

    /// Cost per window of the daemon's window model at the paper's α = 40 on EfficientNet-Lite0's 1280-d features,
    /// projected to P = 128 (WindowNetwork's defaults), one thread, batch 1 (a camera's window as it completes) and
    /// batch 16 (windows of many cameras together); and the ring a camera keeps: α projected fp16 vectors.
    static func printCost(settings s: Settings) throws {
        let alpha = 40, features = 1280
        for kind in [WindowNetwork.Kind.resBiLSTM, .plainLSTM] {
            let config = WindowNetwork.Config(kind: kind, features: features, classes: 9, window: alpha)
            let model = try WindowNetwork.make(config)
            var line = "cost per window (\(kind.rawValue), α = \(alpha), F = \(features) → P = \(config.width), 1 thread):"
            for batch in [1, 16] {
                var rng = SeededGenerator(seed: 3)
                let x = Tensor(zeros: Shape([batch, alpha, features]))
                rng.fillUniform(x, bound: 1)
                _ = try model.forward(x, training: false)
                // Thread CPU time (one engine thread, OpenBLAS at 1): on a shared box wall time mostly measures the
                // neighbours; the median of the repeats is reported, both per window.
                var cpu: [Double] = [], wall: [Double] = []
                for _ in 0..<(batch == 1 ? 40 : 10) {
                    let t = Date(), c = DecodeBench.threadCPU()
                    _ = try model.forward(x, training: false)
                    cpu.append((DecodeBench.threadCPU() - c) * 1000 / Double(batch))
                    wall.append(Date().timeIntervalSince(t) * 1000 / Double(batch))
                }
                cpu.sort()
                wall.sort()
                line += String(format: " batch %d %.3f ms CPU (wall %.3f)", batch, cpu[cpu.count / 2], wall[wall.count / 2])
            }
            print(line)
        }
        let p = WindowNetwork.Config(features: features, classes: 9, window: alpha).width
        print("memory per camera (ring of α = \(alpha) projected fp16 features, P = \(p)): \(alpha) × \(p) × 2 B = "
            + "\(alpha * p * 2) B (\(String(format: "%.1f", Double(alpha * p * 2) / 1024)) KiB); unprojected fp16 would be "
            + "\(alpha * features * 2 / 1024) KiB")
    }
}
