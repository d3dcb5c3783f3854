/// The numbers the method reports per model: accuracy, macro F1 (the paper's "Avg. F1"), support-weighted
/// F1 ("WAvg. F1"), per-class one-vs-all precision/recall/F1, and the confusion matrix they came from.
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    public var accuracy: Double
    public var macroF1: Double
    public var weightedF1: Double
    public var precision: [Double]
    public var recall: [Double]
    public var f1: [Double]
    /// (Weighted) number of test images per true class.
    public var support: [Double]
    public var confusion: [[Double]]

    public init(accuracy: Double, macroF1: Double, weightedF1: Double, precision: [Double], recall: [Double],
                f1: [Double], support: [Double], confusion: [[Double]]) {
        self.accuracy = accuracy
        self.macroF1 = macroF1
        self.weightedF1 = weightedF1
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
        self.confusion = confusion
    }

    public init(truth: [Int], predicted: [Int], classCount: Int, weights: [Double]? = nil) {
        self = ConfusionMatrix(truth: truth, predicted: predicted, classCount: classCount, weights: weights).metrics
    }
}
