/// One iteration of Algorithm 1 (or of a baseline) as the progress bar and report.json show it.
public struct IterationRecord: Sendable, Codable, Equatable {
    public var iteration: Int
    /// N_{i,·}: images of each class drawn for this iteration.
    public var counts: [Int]
    public var learningRate: Float
    public var meanLoss: Double
    /// Per-class one-vs-all F1 on the reference set after this iteration.
    public var referenceF1: [Double]
    public var referenceMacroF1: Double
    public var seconds: Double
}
