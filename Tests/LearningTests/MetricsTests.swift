import Testing
@testable import Learning
import Serving

/// Metric formulas against a confusion matrix worked by hand.
@Suite struct MetricsTests {
    // truth/pred for 3 classes:
    //            pred0 pred1 pred2
    //   true0      3     1     0
    //   true1      1     2     0
    //   true2      0     1     1
    let truth = [0, 0, 0, 0, 1, 1, 1, 2, 2]
    let pred = [0, 0, 0, 1, 0, 1, 1, 1, 2]

    @Test func perClassAndAverages() {
        let m = ClassificationMetrics(truth: truth, predicted: pred, classCount: 3)
        #expect(m.confusion == [[3, 1, 0], [1, 2, 0], [0, 1, 1]])
        #expect(abs(m.accuracy - 6.0 / 9) < 1e-12)
        // class 0: P = 3/4, R = 3/4, F1 = 0.75; class 1: P = 2/4, R = 2/3, F1 = 2·(1/2)(2/3)/(7/6) = 4/7;
        // class 2: P = 1/1, R = 1/2, F1 = 2/3.
        #expect(abs(m.precision[1] - 0.5) < 1e-12 && abs(m.recall[1] - 2.0 / 3) < 1e-12)
        #expect(abs(m.f1[0] - 0.75) < 1e-12)
        #expect(abs(m.f1[1] - 4.0 / 7) < 1e-12)
        #expect(abs(m.f1[2] - 2.0 / 3) < 1e-12)
        #expect(abs(m.macroF1 - (0.75 + 4.0 / 7 + 2.0 / 3) / 3) < 1e-12)
        // weighted by support 4, 3, 2 of 9.
        #expect(abs(m.weightedF1 - (4 * 0.75 + 3 * 4.0 / 7 + 2 * 2.0 / 3) / 9) < 1e-12)
    }

    @Test func neverPredictedClassScoresZero() {
        let m = ClassificationMetrics(truth: [0, 1, 1], predicted: [0, 0, 0], classCount: 2)
        #expect(m.precision[1] == 0 && m.recall[1] == 0 && m.f1[1] == 0)
        // class 0: P = 1/3, R = 1 → F1 = 0.5.
        #expect(abs(m.f1[0] - 0.5) < 1e-12)
    }

    @Test func deploymentWeightingMatchesHandComputedMatrix() {
        // Test set: 2 of class 0, 2 of class 1 (shares 0.5/0.5). Archive: 90% class 0, 10% class 1.
        // Weights: class 0 → 0.9/0.5 = 1.8, class 1 → 0.1/0.5 = 0.2.
        let truth = [0, 0, 1, 1], pred = [0, 1, 1, 1]
        let w = ConfusionMatrix.deploymentWeights(truth: truth, targetShares: [0.9, 0.1])
        #expect(w.map { ($0 * 10).rounded() / 10 } == [1.8, 1.8, 0.2, 0.2])
        let m = ClassificationMetrics(truth: truth, predicted: pred, classCount: 2, weights: w)
        // Weighted matrix: [[1.8, 1.8], [0, 0.4]]; total 4.
        #expect(abs(m.confusion[0][0] - 1.8) < 1e-12 && abs(m.confusion[0][1] - 1.8) < 1e-12)
        #expect(abs(m.confusion[1][1] - 0.4) < 1e-12)
        #expect(abs(m.accuracy - 2.2 / 4) < 1e-12)
        // class 0: P = 1, R = 0.5 → F1 = 2/3. class 1: P = 0.4/2.2, R = 1 → F1 = 2·(2/11)/(13/11) = 4/13.
        #expect(abs(m.f1[0] - 2.0 / 3) < 1e-12)
        #expect(abs(m.f1[1] - 4.0 / 13) < 1e-12)
        #expect(abs(m.weightedF1 - (3.6 * 2.0 / 3 + 0.4 * 4.0 / 13) / 4) < 1e-12)
        // Unweighted the same predictions score differently: accuracy 3/4.
        #expect(ClassificationMetrics(truth: truth, predicted: pred, classCount: 2).accuracy == 0.75)
    }
}
