import Foundation
import Serving

/// How well a bundle's logged scores mean what they say: its temperature (Guo et al. 2017 §4.2) and the
/// expected calibration error (15 bins, Eq. 3) of the primary prediction before and after scaling, per
/// measured set. `camsift train` measures the reference split (where T is fitted, so "after" there is
/// optimistic) and the test split; `camsift eval` the evaluated images.
public struct CalibrationReport: Sendable, Codable, Equatable {
    /// One set's ECE at T = 1 and at the bundle's temperature.
    public struct Measured: Sendable, Codable, Equatable {
        /// "reference", "test", "test (balanced)", "evaluated", …
        public var set: String
        public var images: Int
        public var accuracy: Double
        public var before: ExpectedCalibration
        public var after: ExpectedCalibration
    }

    public var temperature: Double
    /// The fit that produced `temperature` (nil when it was read from a bundle).
    public var fit: TemperatureScaling?
    public var bins = ExpectedCalibration.defaultBins
    public var sets: [Measured] = []

    public init(temperature: Double, fit: TemperatureScaling? = nil) {
        self.temperature = temperature
        self.fit = fit
    }

    /// The bundle's primary prediction (label and unscaled probabilities, `ServedBundle.primaryPrediction`)
    /// for every image, from each role's probability rows — what the daemon would compute for these images.
    public static func primaryPredictions(_ bundle: ServedBundle, scores: [String: [[Float]]]) -> [(label: Int, probabilities: [Float])] {
        let n = scores.values.first?.count ?? 0
        return (0..<n).map { i in
            let p = bundle.primaryPrediction(scores.mapValues { $0[i] })
            return (p.label, p.probabilities)
        }
    }

    /// Adds `set`'s ECE before and after scaling at `temperature` (`weights`: per-image weights, e.g. the
    /// balanced view). An empty set is skipped, and so is a weighted view whose weights are not all finite (a
    /// class the view wants has no image in the set).
    public mutating func measure(_ set: String, predictions: [(label: Int, probabilities: [Float])], labels: [Int],
                                 weights w: [Double]? = nil) {
        guard !labels.isEmpty, w.map({ $0.count == labels.count && $0.allSatisfy(\.isFinite) }) ?? true else { return }
        let predicted = predictions.map(\.label)
        let raw = predictions.map(\.probabilities)
        let scaled = raw.map { Temperature.scale($0, by: temperature) }
        let total = w?.reduce(0, +) ?? Double(labels.count)
        let hits = zip(predicted, labels).enumerated().reduce(0.0) { $0 + ($1.element.0 == $1.element.1 ? (w?[$1.offset] ?? 1) : 0) }
        sets.append(Measured(set: set, images: labels.count, accuracy: total > 0 ? hits / total : 0,
                             before: ExpectedCalibration(probabilities: raw, predicted: predicted, labels: labels, weights: w, bins: bins),
                             after: ExpectedCalibration(probabilities: scaled, predicted: predicted, labels: labels, weights: w, bins: bins)))
    }

    /// One line per set, e.g. `reference: ECE 0.084 → 0.021 (T = 1.62, 15 bins, 240 images)`.
    public var lines: [String] {
        sets.map {
            String(format: "%@: ECE %.4f → %.4f (T = %.3f, %d bins, %d images, accuracy %.4f)",
                   $0.set, $0.before.value, $0.after.value, temperature, bins, $0.images, $0.accuracy)
        }
    }
}
