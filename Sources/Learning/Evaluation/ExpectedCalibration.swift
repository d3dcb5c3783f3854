/// Expected calibration error of top-1 confidences (Guo et al. 2017, "On Calibration of Modern Neural
/// Networks", §2, Eq. 3): predictions fall into M equal-width confidence bins B_m = ((m−1)/M, m/M] and
/// ECE = Σ_m |B_m|/n · |acc(B_m) − conf(B_m)|, the gap between how often a score is right and what it claims,
/// averaged over where the scores actually fall. M = 15 as in the paper's tables. (Named for the metric, not
/// `…Error`: in this codebase that suffix means the module's thrown error type.)
///
/// With `weights`, each image counts its weight in |B_m|, acc and conf — the balanced view of the test split
/// (every class weighted equally), as the training report's metrics do.
public struct ExpectedCalibration: Sendable, Codable, Equatable {
    public static let defaultBins = 15

    /// One confidence bin: (weighted) image count, mean confidence and accuracy of the images in it.
    public struct Bin: Sendable, Codable, Equatable {
        public var count: Double
        public var confidence: Double
        public var accuracy: Double
    }

    /// ECE in [0, 1].
    public var value: Double
    /// The M bins, lowest confidence first (a reliability diagram's data).
    public var bins: [Bin]

    /// - Parameters:
    ///   - confidences: the top-1 score of each prediction, in [0, 1].
    ///   - correct: whether each prediction's label is the true one.
    public init(confidences: [Double], correct: [Bool], weights: [Double]? = nil, bins m: Int = defaultBins) {
        precondition(m >= 1 && confidences.count == correct.count && (weights?.count ?? correct.count) == correct.count)
        var n = [Double](repeating: 0, count: m), conf = n, hits = n
        for (i, c) in confidences.enumerated() {
            let w = weights?[i] ?? 1
            // Bin m (0-based) holds (m/M, (m+1)/M]; a confidence of exactly 0 goes to the first bin.
            let b = min(m - 1, max(0, Int((c * Double(m)).rounded(.up)) - 1))
            n[b] += w
            conf[b] += w * c
            if correct[i] { hits[b] += w }
        }
        let total = n.reduce(0, +)
        self.bins = (0..<m).map { b in
            n[b] > 0 ? Bin(count: n[b], confidence: conf[b] / n[b], accuracy: hits[b] / n[b]) : Bin(count: 0, confidence: 0, accuracy: 0)
        }
        value = total > 0 ? bins.reduce(0) { $0 + $1.count / total * abs($1.accuracy - $1.confidence) } : 0
    }

    /// ECE of predictions given as probability rows and their labels (`predicted[i]`; its probability is the
    /// confidence) against the true `labels`.
    public init(probabilities: [[Float]], predicted: [Int], labels: [Int], weights: [Double]? = nil, bins m: Int = defaultBins) {
        self.init(confidences: zip(probabilities, predicted).map { Double($0.0[$0.1]) },
                  correct: zip(predicted, labels).map { $0 == $1 }, weights: weights, bins: m)
    }
}
