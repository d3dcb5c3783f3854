import CamsiftCore
import Testing
@testable import Learning

/// The libsvm binding (weights honoured, errors), the CART tree's Gini decreases on a tree worked by hand, the
/// forest's ranking, and the multi-label metrics on hand-computed cases.
@Suite struct TagsModelTests {
    // 1-D, symmetric: class 0 mostly at −1, class 1 mostly at +1, one crossing point each (at +0.5 and −0.5).
    let rows: [[Double]] = [[-1], [-1], [-1], [-1], [0.5], [1], [1], [1], [1], [-0.5]]
    let labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]

    @Test func svmSeparatesAndWeightsMoveTheBoundary() throws {
        let plain = try WeightedSVM(rows: rows, labels: labels)
        #expect(plain.classes == [0, 1])
        #expect(plain.predict([-2]) == 0 && plain.predict([2]) == 1)
        // Symmetric data: the boundary sits at 0, so −0.2 is class 0.
        #expect(plain.predict([-0.2]) == 0)
        #expect(plain.votes([-0.2]) == ([1, 0], 0))
        // Class 1's errors cost 20× more: the boundary moves past its point at −0.5, and −0.2 flips to class 1.
        let heavy1 = try WeightedSVM(rows: rows, labels: labels, classWeights: [1: 20])
        #expect(heavy1.predict([-0.2]) == 1)
        #expect(heavy1.decisionValue([-0.2]) < 0)
        // The mirror image: weighting class 0 moves it the other way, +0.2 flips to class 0.
        #expect(plain.predict([0.2]) == 1)
        #expect(try WeightedSVM(rows: rows, labels: labels, classWeights: [0: 20]).predict([0.2]) == 0)
        // Weight 1 is no weight.
        let same = try WeightedSVM(rows: rows, labels: labels, classWeights: [0: 1, 1: 1])
        for x in stride(from: -1.5, through: 1.5, by: 0.1) { #expect(same.predict([x]) == plain.predict([x])) }
    }

    @Test func svmThreeClassVotes() throws {
        let r: [[Double]] = [[0, 0], [0.1, 0], [5, 0], [5.1, 0], [0, 5], [0, 5.1]]
        let svm = try WeightedSVM(rows: r, labels: [2, 2, 0, 0, 1, 1])
        #expect(svm.classes == [0, 1, 2])
        let v = svm.votes([5, 0.2])
        #expect(v.predicted == 0 && v.votes[0] == 2 && v.votes.reduce(0, +) == 3)
        #expect(svm.predict([0, 4.8]) == 1 && svm.predict([0.2, 0.2]) == 2)
    }

    @Test func svmErrorsNameTheFix() {
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch let e as LearningError { return e.message } catch { return "\(error)" }
            return ""
        }
        var p = WeightedSVM.Parameters()
        p.c = 0
        #expect(message { _ = try WeightedSVM(rows: rows, labels: labels, parameters: p) }.contains("C <= 0"))
        p = .init()
        p.tolerance = -1
        #expect(message { _ = try WeightedSVM(rows: rows, labels: labels, parameters: p) }.contains("eps <= 0"))
        #expect(message { _ = try WeightedSVM(rows: rows, labels: labels, classWeights: [1: 0]) }.contains("must be finite and > 0"))
        #expect(message { _ = try WeightedSVM(rows: rows, labels: labels, classWeights: [7: 2]) }.contains("class 7"))
        #expect(message { _ = try WeightedSVM(rows: [[1], [1, 2]], labels: [0, 1]) }.contains("same"))
        #expect(message { _ = try WeightedSVM(rows: [[.nan], [1]], labels: [0, 1]) }.contains("NaN"))
    }

    // Gini tree by hand (x0, x1 → y):
    //   G(0,1→0) A(1,1→0) B(2,0→0) C(3,0→1) D(4,1→2) E(5,0→1) F(6,1→2)
    // Root [3,2,2], N·GI = 7 − 17/7 = 32/7. Best: x0 ≤ 2.5 → {G,A,B} pure, {C,D,E,F} [0,2,2] with N·GI = 2
    // (x1's best leaves 4/3 + 2 = 10/3): decrease 32/7 − 2 = 18/7 to x0.
    // {C,D,E,F}: x1 ≤ 0.5 → {C,E} and {D,F}, both pure: decrease 2 to x1 (x0's best leaves 4/3).
    let gx: [[Double]] = [[0, 1], [1, 1], [2, 0], [3, 0], [4, 1], [5, 0], [6, 1]]
    let gy = [0, 0, 0, 1, 2, 1, 2]

    @Test func giniDecreasesOnHandCheckedTree() {
        #expect(abs(DecisionTree.gini([3, 2, 2], 7) - (1 - 17.0 / 49)) < 1e-15)
        #expect(DecisionTree.gini([4, 0], 4) == 0)
        let columns = [gx.map { $0[0] }, gx.map { $0[1] }]
        for seed in 1...5 as ClosedRange<UInt64> {  // both features tried at every node: the draw order must not matter
            var rng = SeededGenerator(seed: seed)
            let tree = DecisionTree(columns: columns, labels: gy, classCount: 3, samples: Array(0..<7), maxFeatures: 2, rng: &rng)
            #expect(abs(tree.decrease[0] - 18.0 / 7) < 1e-12)
            #expect(abs(tree.decrease[1] - 2) < 1e-12)
            #expect(tree.nodes.count == 5)
            #expect(tree.nodes[0].feature == 0 && tree.nodes[0].threshold == 2.5)
            for (x, y) in zip(gx, gy) { #expect(tree.predict(x) == y) }
        }
    }

    @Test func forestRanksTheInformativeFeatureFirstAndIsSeeded() throws {
        var rng = SeededGenerator(seed: 7)
        var r: [[Double]] = []
        var y: [Int] = []
        for _ in 0..<300 {
            let c = rng.below(3)
            // Feature 2 carries the class (with noise); 0, 1, 3 are noise.
            r.append([rng.unit(), rng.unit(), Double(c) + 0.8 * rng.unit(), rng.unit()])
            y.append(c)
        }
        var p = RandomForest.Parameters()
        p.trees = 30
        let f = try RandomForest(rows: r, labels: y, classCount: 3, parameters: p)
        #expect(f.ranking.first == 2)
        #expect(abs(f.importances.reduce(0, +) - 1) < 1e-9)
        #expect(f.importances[2] > 0.5)
        #expect(try RandomForest(rows: r, labels: y, classCount: 3, parameters: p).importances == f.importances)
        p.seed = 2
        #expect(try RandomForest(rows: r, labels: y, classCount: 3, parameters: p).importances != f.importances)
        let hits = zip(r, y).filter { f.predict($0.0) == $0.1 }.count
        #expect(hits > 280)
    }

    @Test func multiLabelMetricsByHand() {
        let truth: [Set<Int>] = [[0, 1], [1], [2]]
        let pred: [Set<Int>] = [[0], [1, 2], []]
        // Label 0: scores tie the positive with a negative (AP 1/2); label 1: T at 0.8, F at 0.5, T at 0.2 →
        // 1/2·1 + 1/2·2/3 = 5/6; label 2: two negatives tied on top, the positive last → 1/3.
        let scores: [[Double]] = [[0.4, 0.2, 0.3], [0.4, 0.8, 0.3], [0.1, 0.5, 0.1]]
        let m = MultiLabelMetrics(truth: truth, predicted: pred, labelCount: 3, scores: scores)
        // Wrong pairs: {1}, {2}, {2} of 9.
        #expect(abs(m.hammingLoss - 3.0 / 9) < 1e-15)
        // Label 0: TP 1 → F1 1; label 1: TP 1, FN 1 → 2/3; label 2: FP 1, FN 1 → 0.
        #expect(abs(m.f1PerLabel[1] - 2.0 / 3) < 1e-15 && m.f1PerLabel[0] == 1 && m.f1PerLabel[2] == 0)
        #expect(abs(m.macroF1 - 5.0 / 9) < 1e-15)
        // TP 2, FP 1, FN 2 → 4/7.
        #expect(abs(m.microF1 - 4.0 / 7) < 1e-15)
        #expect(abs(m.meanAveragePrecision! - (0.5 + 5.0 / 6 + 1.0 / 3) / 3) < 1e-15)
        // A fourth label nobody has: F1 0 in the macro mean, left out of MAP.
        let m4 = MultiLabelMetrics(truth: truth, predicted: pred, labelCount: 4, scores: scores.map { $0 + [0.7] })
        #expect(abs(m4.macroF1 - 5.0 / 12) < 1e-15)
        #expect(m4.meanAveragePrecision == m.meanAveragePrecision)
        #expect(abs(m4.hammingLoss - 3.0 / 12) < 1e-15)
        #expect(MultiLabelMetrics(truth: truth, predicted: truth, labelCount: 3).hammingLoss == 0)
    }

    @Test func powersetSVMPredictsCombinationsAndScores() throws {
        // Two clusters with label sets {0,1} and {2}.
        var r: [[Double]] = [], s: [Set<Int>] = []
        for i in 0..<6 { r.append([Double(i) * 0.01, 0]); s.append([0, 1]) }
        for i in 0..<6 { r.append([3 + Double(i) * 0.01, 1]); s.append([2]) }
        let lp = try LabelPowersetSVM(rows: r, labelSets: s, labelCount: 3)
        #expect(lp.predict([0, 0]) == [0, 1] && lp.predict([3, 1]) == [2])
        let sc = lp.scores([3, 1])
        #expect(sc.labelScores == [0, 0, 1])
        let onlyFirst = try LabelPowersetSVM(rows: r, labelSets: s, labelCount: 3, weighting: .none, features: [0])
        #expect(onlyFirst.features == [0] && onlyFirst.classWeights.isEmpty && onlyFirst.predict([0, 9]) == [0, 1])
        let br = try BinaryRelevance(rows: r, labelSets: s, labelCount: 3)
        #expect(br.predict([0, 0]) == [0, 1] && br.predict([3, 1]) == [2])
        #expect(br.scores([3, 1])[2] > 0 && br.scores([3, 1])[0] < 0)
    }
}
