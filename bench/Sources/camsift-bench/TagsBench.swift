import Foundation
import CamsiftCore
import Learning
import Serving

/// `camsift-bench tags` (issue 19, `make bench-tags`): yeast and the Fashion-MNIST mosaics, seeded 60/20/20 splits, the four rows the issue
/// names (binary relevance, LP unweighted, LP weighted, the method = LP weighted + forest ranking + RFE) plus the
/// δ-max alternative, each with its scikit-learn peer trained on the same problem in the same run, and the forest's
/// importances against scikit-learn's `RandomForestClassifier` on the same training rows and classes.
///
/// Nothing is chosen on the test split: the method's weight reduction/exponent and its RFE walk are chosen on the
/// validation split (`TagsRows`); every row trains on the training split only and is scored on test once.
///
/// Options: --data weights/yeast.csv --work DIR --python /usr/bin/python3 --peer bench/tags_peer.py --splits 5
/// --seed 1 --trees 500 --min-combination 5 --rfe-step 1 --patience 1 --part all|yeast|mosaic; the mosaic section
/// (`TagsMosaic`): --mosaics 1500 --mosaic-rho 20 --mosaic-splits 3 --mosaic-rfe-step 64 (≈ 5 % of its 1,319
/// features per RFE round: one round per feature would be 1,319 retrainings) --backbone weights/effnet-lite0-imagenet.csm.
enum TagsBench {
    struct PeerSplit: Codable {
        var seed: UInt64
        var train: [Int], test: [Int]
        var forestClasses: [Int]
        var jobs: [TagsRows.PeerJob]
    }
    struct PeerInput: Codable {
        var csv: String
        var featureCount: Int, labelCount: Int, trees: Int
        var splits: [PeerSplit]
    }
    struct PeerOutput: Decodable {
        struct Split: Decodable { var jobs: [String: [Int]]; var importances: [Double]; var seconds: [String: Double] }
        var splits: [Split]
    }

    static func run(_ args: [String]) async throws -> Int32 {
        var opt: [String: String] = ["--data": "weights/yeast.csv", "--work": "/tmp/camsift-tags", "--python": "/usr/bin/python3",
                                     "--peer": "bench/tags_peer.py", "--splits": "5", "--seed": "1", "--trees": "500",
                                     "--min-combination": "5", "--rfe-step": "1", "--patience": "1", "--part": "all",
                                     "--mosaics": "1500", "--mosaic-rho": "20", "--mosaic-splits": "3", "--mosaic-rfe-step": "64",
                                     "--backbone": "weights/effnet-lite0-imagenet.csm"]
        var i = 0
        while i < args.count {
            guard opt[args[i]] != nil, i + 1 < args.count else {
                throw LearningError(.badArgument, "tags: unknown option or missing value '\(args[i])'; options: \(opt.keys.sorted())")
            }
            opt[args[i]] = args[i + 1]
            i += 2
        }
        func int(_ k: String) throws -> Int {
            guard let v = Int(opt[k]!), v >= 1 else { throw LearningError(.badArgument, "tags: \(k) must be a positive integer") }
            return v
        }
        var settings = TagsRows.Settings()
        settings.trees = try int("--trees")
        settings.minimumCombination = try int("--min-combination")
        settings.rfeStep = try int("--rfe-step")
        settings.patience = try int("--patience")
        let splits = try int("--splits"), seed = UInt64(try int("--seed"))
        let work = opt["--work"]!
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let part = opt["--part"]!
        guard ["all", "yeast", "mosaic"].contains(part) else { throw LearningError(.badArgument, "tags: --part is all, yeast or mosaic") }
        var v = Verdicts()

        if part != "mosaic" {
            let csv = URL(fileURLWithPath: opt["--data"]!).standardizedFileURL.path
            let data = try TagsData.read(csv)
            print("camsift-bench tags: \(csv): \(describe(data)); \(splits) splits 60/20/20 from seed \(seed); "
                  + "C = 0.9 linear, combinations < \(settings.minimumCombination) merged, forest \(settings.trees) trees, RFE step \(settings.rfeStep)")
            v.check(data.rows.count == 2417 && data.featureCount == 103 && data.labelCount == 14, "data shape",
                    "\(data.rows.count) × \(data.featureCount) + \(data.labelCount)", vs: "2417 × 103 + 14 (issue 19)")
            let s = try await section("yeast", data: data, csv: csv, settings: settings, splits: splits, seed: seed, opt: opt, v: &v)
            // Issue 19: yeast's published Hamming losses sit near 0.19–0.20; far lower means test rows leaked into training.
            v.check(s.methodHamming >= 0.15, "no leakage (method Hamming loss ≥ 0.15)", String(format: "%.4f", s.methodHamming), vs: "0.15")
        }
        if part != "yeast" {
            var mo = TagsMosaic.Options()
            mo.count = try int("--mosaics")
            guard let rho = Double(opt["--mosaic-rho"]!), rho >= 1 else { throw LearningError(.badArgument, "tags: --mosaic-rho must be ≥ 1") }
            mo.rho = rho
            mo.backbone = opt["--backbone"]!
            let csv = URL(fileURLWithPath: work + "/tags-mosaic.csv").standardizedFileURL.path
            let t = Date()
            print("\n" + (try TagsMosaic.build(mo, csv: csv)) + String(format: "; built in %.1f s", -t.timeIntervalSinceNow))
            let data = try TagsData.read(csv)
            var ms = settings
            ms.rfeStep = try int("--mosaic-rfe-step")
            let mSplits = try int("--mosaic-splits")
            print("camsift-bench tags: \(csv): \(describe(data)); \(mSplits) splits 60/20/20 from seed \(seed); "
                  + "C = 0.9 linear, combinations < \(ms.minimumCombination) merged, forest \(ms.trees) trees, RFE step \(ms.rfeStep)")
            _ = try await section("mosaic", data: data, csv: csv, settings: ms, splits: mSplits, seed: seed, opt: opt, v: &v,
                                  methodTargets: false)
        }
        printServedCost()
        return v.exitCode
    }

    struct SectionSummary { var methodHamming: Double }

    static func describe(_ data: TagsData) -> String {
        "\(data.rows.count) rows × \(data.featureCount) features, \(data.labelCount) labels, label cardinality "
            + String(format: "%.2f", Double(data.labelSets.map(\.count).reduce(0, +)) / Double(data.rows.count))
            + ", \(Set(data.labelSets).count) distinct label sets"
    }

    /// One data set: every split's rows, the peer on the same problems, the table, and the issue's targets
    /// (`methodTargets`: the method-vs-baseline comparisons gate; false prints them as INFO lines).
    static func section(_ name: String, data: TagsData, csv: String, settings: TagsRows.Settings, splits: Int, seed: UInt64,
                        opt: [String: String], v: inout Verdicts, methodTargets: Bool = true) async throws -> SectionSummary {
        let work = opt["--work"]!
        var outcomes: [TagsRows.Outcome] = []
        var peerSplits: [PeerSplit] = []
        for k in 0..<splits {
            let split = data.split(seed: seed + UInt64(k))
            let t = Date()
            let o = try TagsRows.run(data, split, settings)
            print("split \(k + 1) (seed \(split.seed)): \(String(format: "%.1f", -t.timeIntervalSinceNow)) s (forest "
                  + "\(String(format: "%.1f", o.forestSeconds)) s); method: \(o.choice)")
            outcomes.append(o)
            peerSplits.append(PeerSplit(seed: split.seed, train: split.train, test: split.test, forestClasses: o.forestClasses, jobs: o.jobs))
        }

        // The peer: one Python process for every split (scikit-learn's import costs seconds).
        let input = work + "/tags-\(name)-peer-input.json", output = work + "/tags-\(name)-peer-output.json"
        let enc = JSONEncoder()
        try enc.encode(PeerInput(csv: csv, featureCount: data.featureCount, labelCount: data.labelCount, trees: settings.trees,
                                 splits: peerSplits)).write(to: URL(fileURLWithPath: input))
        let t = Date()
        try await LongtailRuns.exec(opt["--python"]!, [opt["--peer"]!, "--input", input, "--out", output], log: work + "/tags-\(name)-peer.log")
        print("scikit-learn peer: \(String(format: "%.1f", -t.timeIntervalSinceNow)) s")
        guard let raw = FileManager.default.contents(atPath: output) else { throw LearningError(.io, "tags: the peer wrote no \(output)") }
        let peer = try JSONDecoder().decode(PeerOutput.self, from: raw)
        guard peer.splits.count == splits else { throw LearningError(.io, "tags: the peer answered \(peer.splits.count) of \(splits) splits") }

        // Table: mean ± sd over splits per row; the peer's metrics from its own predictions, by the same code.
        func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
        func sd(_ x: [Double]) -> Double { let m = mean(x); return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(x.count - 1, 1))).squareRoot() }
        func f(_ x: [Double]) -> String { String(format: "%.4f ± %.4f", mean(x), sd(x)) }
        print("")
        print("\(name):")
        print("| row | Hamming loss | micro F1 | macro F1 | MAP | s/split | sklearn Hamming | sklearn macro F1 | agreement |")
        print("|---|---|---|---|---|---|---|---|---|")
        var agreement: [String: Double] = [:]
        var byName: [String: [MultiLabelMetrics]] = [:]
        for (r, row) in TagsRows.names.enumerated() {
            let ms = outcomes.map { $0.rows[r].metrics }
            byName[row] = ms
            var same = 0, total = 0
            var peerMetrics: [MultiLabelMetrics] = []
            for (k, o) in outcomes.enumerated() {
                let job = o.jobs[r]
                guard let p = peer.splits[k].jobs[job.name], p.count == job.swift.count else {
                    throw LearningError(.io, "tags: the peer's predictions for '\(job.name)' (split \(k + 1)) are missing or the wrong length")
                }
                same += zip(p, job.swift).filter { $0.0 == $0.1 }.count
                total += p.count
                let split = data.split(seed: seed + UInt64(k))
                let truth = split.test.map { data.labelSets[$0] }
                let sets: [Set<Int>] = job.kind == "br"
                    ? (0..<truth.count).map { i in Set((0..<data.labelCount).filter { p[i * data.labelCount + $0] == 1 }) }
                    : p.map { o.combinations.indices.contains($0) ? Set(o.combinations[$0]) : [] }
                peerMetrics.append(MultiLabelMetrics(truth: truth, predicted: sets, labelCount: data.labelCount))
            }
            agreement[row] = Double(same) / Double(total)
            print("| \(row) | \(f(ms.map(\.hammingLoss))) | \(f(ms.map(\.microF1))) | \(f(ms.map(\.macroF1))) | "
                  + "\(f(ms.compactMap(\.meanAveragePrecision))) | \(String(format: "%.1f", mean(outcomes.map { $0.rows[r].seconds }))) | "
                  + "\(f(peerMetrics.map(\.hammingLoss))) | \(f(peerMetrics.map(\.macroF1))) | "
                  + "\(String(format: "%.2f %%", 100 * agreement[row]!)) (\(same)/\(total)) |")
        }
        let rho = outcomes.indices.map { TagsData.spearman(outcomes[$0].importances, peer.splits[$0].importances) }
        print("\nforest importances vs scikit-learn RandomForestClassifier(\(settings.trees), gini, sqrt): Spearman ρ per split "
              + rho.map { String(format: "%.3f", $0) }.joined(separator: ", "))
        print("")

        let br = byName[TagsRows.names[0]]!, unw = byName[TagsRows.names[1]]!, method = byName[TagsRows.names[4]]!
        let mF1 = mean(method.map(\.macroF1)), uF1 = mean(unw.map(\.macroF1)), bF1 = mean(br.map(\.macroF1))
        let mH = mean(method.map(\.hammingLoss)), uH = mean(unw.map(\.hammingLoss))
        // Issue 19 sets the method's targets on yeast ("Targets (mean of 5 splits)"); of the mosaics it asks to "report
        // the same rows": there the comparisons print as INFO lines (same figures), while agreement and ρ stay gated.
        let methodLines: [(Bool, String, String, String)] = [
            (mF1 >= uF1 + 0.02, "method macro F1 ≥ LP-unweighted + 0.02", String(format: "%.4f", mF1), String(format: "%.4f", uF1 + 0.02)),
            (mF1 >= bF1, "method macro F1 ≥ binary relevance", String(format: "%.4f", mF1), String(format: "%.4f", bF1)),
            (mH <= uH + 0.005, "method Hamming loss ≤ LP-unweighted + 0.005", String(format: "%.4f", mH), String(format: "%.4f", uH + 0.005)),
        ]
        for (pass, target, figure, threshold) in methodLines {
            if methodTargets {
                v.check(pass, "\(name): \(target)", figure, vs: threshold)
            } else {
                print("INFO  \(name): \(target) (reported, not a target): \(figure) vs \(threshold) — \(pass ? "holds" : "does not hold")")
            }
        }
        for row in TagsRows.names {
            v.check(agreement[row]! >= 0.995, "\(name): sklearn agreement, \(row)", String(format: "%.2f %%", 100 * agreement[row]!), vs: "99.50 %")
        }
        v.check(mean(rho) >= 0.9, "\(name): forest importances rank correlation (Spearman, mean of splits)", String(format: "%.3f", mean(rho)), vs: "0.900")
        return SectionSummary(methodHamming: mH)
    }

    /// Issue 19: the cost per frame of tagging on top of classification, at the product's shape — the served
    /// `TagClassifier` (one affine function per pair of combinations) over EfficientNet-Lite0's 1,280 pooled
    /// features + the context modality, for 10, 30 and 60 combinations. Informational: the frame's CNN pass
    /// (~8.4 CPU ms, bench-engine) is what it adds to.
    static func printServedCost() {
        var rng = SeededGenerator(seed: 19)
        let f = 1280 + ContextFeatures.count
        var row = (0..<f).map { _ in Float(rng.unit()) }
        for k in [10, 30, 60] {
            let pairs = k * (k - 1) / 2
            let model = TagClassifier(tagNames: (0..<k).map { "t\($0)" }, featureCount: f, features: Array(0..<f),
                                      combinations: (0..<k).map { [$0] },
                                      weights: (0..<pairs).map { _ in (0..<f).map { _ in Float(rng.unit() - 0.5) } },
                                      bias: (0..<pairs).map { _ in Float(rng.unit() - 0.5) }, backbone: "bench")
            let frames = 200
            let t0 = Monotonic.nanoseconds()
            var sink = 0.0
            for i in 0..<frames {
                row[i % f] += 1e-3
                sink += row.withUnsafeBufferPointer { model.tags($0) }.first?.score ?? 0
            }
            let ms = Double(Monotonic.nanoseconds() - t0) / 1e6 / Double(frames)
            print(String(format: "served tags cost: %d combinations (%d pairs × %d features): %.3f ms per frame "
                         + "(%.1f %% of an 8.4 ms EfficientNet-Lite0 pass)%@", k, pairs, f, ms, 100 * ms / 8.4,
                         sink.isNaN ? " (nan)" : ""))
        }
    }

}
