import Foundation
import Learning

/// One split of `camsift-bench tags`: trains every row on the 60 % training part, makes every choice on the 20 %
/// validation part, and scores the 20 % test part once. Also writes down, per SVM row, exactly what libsvm was
/// given (features, classes, weights), so the scikit-learn peer can train the same problem (`TagsPeer`).
enum TagsRows {
    struct Settings: Sendable {
        /// Combinations with fewer training rows are merged into their nearest frequent one (`LabelPowerset`).
        var minimumCombination = 5
        var trees = 500
        var rfeStep = 1
        var patience = 1
        /// Weight exponents α tried on the validation split for the method (1 = the paper's δ).
        var exponents: [Double] = [0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]
        /// The method's validation choices must keep Hamming loss within this of LP-unweighted's (the target).
        var hammingSlack = 0.005
        var seed: UInt64 = 1
    }

    /// What one SVM row handed libsvm, for the peer, and what it predicted on the test rows (LP: a class per row;
    /// BR: row-major 0/1 per (row, label)).
    struct PeerJob: Codable {
        var name: String
        var kind: String  // "lp" | "br"
        var features: [Int]
        var classes: [Int]?
        var classWeight: [String: Double]?
        var swift: [Int]
    }

    struct Row {
        var name: String
        var metrics: MultiLabelMetrics
        var seconds: Double
    }

    struct Outcome {
        var rows: [Row]
        var jobs: [PeerJob]
        /// The training rows' LP classes the forest was trained on, and its importances.
        var forestClasses: [Int]
        /// LP class → label set (the same powerset for every LP row of the split).
        var combinations: [[Int]]
        var importances: [Double]
        var forestSeconds: Double
        /// The method's validation choices: reduction, α, feature count, RFE rounds (count: validation score).
        var choice: String
    }

    static let names = ["binary relevance + SVM", "LP + unweighted SVM", "LP + weighted SVM (δ mean)",
                        "LP + weighted SVM (δ max)", "LP + weighted SVM + RF + RFE (method)"]

    static func run(_ data: TagsData, _ split: TagsData.Split, _ s: Settings) throws -> Outcome {
        let train = split.train.map { data.rows[$0] }, trainSets = split.train.map { data.labelSets[$0] }
        let valRows = split.validation.map { data.rows[$0] }, valSets = split.validation.map { data.labelSets[$0] }
        let testRows = split.test.map { data.rows[$0] }, testSets = split.test.map { data.labelSets[$0] }
        let all = Array(0..<data.featureCount)
        let L = data.labelCount
        var rows: [Row] = [], jobs: [PeerJob] = []

        // Binary relevance.
        var t = Date()
        let br = try BinaryRelevance(rows: train, labelSets: trainSets, labelCount: L)
        let brSets = testRows.map(br.predict)
        rows.append(Row(name: names[0], metrics: MultiLabelMetrics(truth: testSets, predicted: brSets, labelCount: L,
                                                                   scores: testRows.map(br.scores)),
                        seconds: -t.timeIntervalSinceNow))
        jobs.append(PeerJob(name: names[0], kind: "br", features: all, classes: nil, classWeight: nil,
                            swift: brSets.flatMap { p in (0..<L).map { p.contains($0) ? 1 : 0 } }))

        // The LP rows: trained on train, scored on test (and validation, for the method's choices).
        func lp(_ w: LabelPowersetSVM.Weighting, _ features: [Int]) throws -> LabelPowersetSVM {
            try LabelPowersetSVM(rows: train, labelSets: trainSets, labelCount: L, minimumCombinationCount: s.minimumCombination,
                                 weighting: w, features: features)
        }
        func score(_ m: LabelPowersetSVM, _ r: [[Double]], _ truth: [Set<Int>]) -> (MultiLabelMetrics, [Int]) {
            let out = r.map(m.scores)
            let sets = out.map { m.powerset.labels(of: $0.predictedClass) }
            return (MultiLabelMetrics(truth: truth, predicted: sets, labelCount: L, scores: out.map(\.labelScores)),
                    out.map(\.predictedClass))
        }
        func record(_ name: String, _ m: LabelPowersetSVM, _ started: Date) {
            let (metrics, classes) = score(m, testRows, testSets)
            rows.append(Row(name: name, metrics: metrics, seconds: -started.timeIntervalSinceNow))
            jobs.append(PeerJob(name: name, kind: "lp", features: m.features, classes: m.trainingClasses,
                                classWeight: m.classWeights.isEmpty ? nil
                                    : Dictionary(uniqueKeysWithValues: m.classWeights.map { (String($0.key), $0.value) }),
                                swift: classes))
        }
        t = Date()
        let unweighted = try lp(.none, all)
        record(names[1], unweighted, t)
        t = Date()
        record(names[2], try lp(.concepts(.mean), all), t)
        t = Date()
        record(names[3], try lp(.concepts(.max), all), t)

        // The method. R: forest ranking on the LP classes of the training rows.
        t = Date()
        var fp = RandomForest.Parameters()
        fp.trees = s.trees
        fp.seed = split.seed
        let classes = unweighted.trainingClasses
        let forest = try RandomForest(rows: train, labels: classes, classCount: unweighted.powerset.classCount, parameters: fp)
        let forestSeconds = -t.timeIntervalSinceNow
        t = Date()
        // Validation objective: macro F1, provided Hamming loss stays within the slack of LP-unweighted's on the
        // same validation rows (an infeasible choice scores 1 lower, so any feasible one beats it).
        let bound = score(unweighted, valRows, valSets).0.hammingLoss + s.hammingSlack
        func objective(_ m: LabelPowersetSVM) -> Double {
            let v = score(m, valRows, valSets).0
            return v.macroF1 - (v.hammingLoss <= bound ? 0 : 1)
        }
        var best: (reduction: ConceptWeights.Reduction, exponent: Double, value: Double)?
        for r in ConceptWeights.Reduction.allCases {
            for a in s.exponents {
                let v = objective(try lp(.concepts(r, exponent: a), all))
                if best == nil || v > best!.value { best = (r, a, v) }
            }
        }
        let weighting = LabelPowersetSVM.Weighting.concepts(best!.reduction, exponent: best!.exponent)
        let rfe = try FeatureElimination(step: s.rfeStep, patience: s.patience)
            .run(ranking: forest.ranking) { f in objective(try lp(weighting, f)) }
        let method = try lp(weighting, rfe.features)
        record(names[4], method, t)
        let ps = unweighted.powerset
        let choice = "\(ps.classCount) LP classes (\(ps.mergedCount) of \(ps.mapping.count) training label sets merged); "
            + "δ \(best!.reduction.rawValue), α = \(best!.exponent), \(rfe.features.count) features; RFE "
            + rfe.rounds.map { "\($0.featureCount): \(String(format: "%.4f", $0.score))" }.joined(separator: ", ")
        return Outcome(rows: rows, jobs: jobs, forestClasses: classes, combinations: unweighted.powerset.combinations, importances: forest.importances,
                       forestSeconds: forestSeconds, choice: choice)
    }
}
