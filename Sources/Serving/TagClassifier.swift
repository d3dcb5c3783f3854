import CamsiftCore
import Foundation
import NN

/// A served tags model (issue 19): the label-powerset SVM of the multi-label multimodal framework (Chen/Shyu
/// group; Algorithm 1's classifier) as plain numbers — one affine decision function per one-vs-one pair of
/// label combinations (`WeightedSVM.linearDecisionFunctions`), so the frame path needs no libsvm.
///
/// Input per frame: the modalities concatenated in a fixed layout, `featureCount` = the backbone's pooled
/// features (visual) + `ContextFeatures.count` (context); `features` lists the ones the RFE kept. A pair's
/// positive value votes for its first combination; the winning combination is the predicted tag set, and a
/// tag's score is the share of all votes won by combinations containing it (what training reports as MAP scores).
public final class TagClassifier: @unchecked Sendable {
    public static let architectureName = "tags-lp-svm"
    public let version: String
    public let tagNames: [String]
    public let featureCount: Int
    public let features: [Int]
    /// Each SVM class's tags (indices into `tagNames`), in libsvm's class order.
    public let combinations: [[Int]]
    public let backbone: String
    private let weights: [Float]   // [pairs × features.count]
    private let bias: [Float]

    public init(tagNames: [String], featureCount: Int, features: [Int], combinations: [[Int]], weights: [[Float]],
                bias: [Float], backbone: String, version: String = "tags-new") {
        self.tagNames = tagNames
        self.featureCount = featureCount
        self.features = features
        self.combinations = combinations
        self.weights = weights.flatMap { $0 }
        self.bias = bias
        self.backbone = backbone
        self.version = version
    }

    public var pairCount: Int { bias.count }

    /// Tags of one frame, best first: the winning combination's tags with their vote shares.
    public func tags(_ row: UnsafeBufferPointer<Float>) -> [(tag: String, score: Double)] {
        precondition(row.count == featureCount, "tags model reads \(featureCount) features, got \(row.count)")
        let k = combinations.count
        guard k > 1 else { return combinations.first.map { $0.map { (tagNames[$0], 1.0) } } ?? [] }
        var votes = [Int](repeating: 0, count: k)
        let d = features.count
        var p = 0
        weights.withUnsafeBufferPointer { w in
            for i in 0..<k {
                for j in (i + 1)..<k {
                    var s = bias[p]
                    let base = p * d
                    for (q, f) in features.enumerated() { s += w[base + q] * row[f] }
                    votes[s > 0 ? i : j] += 1
                    p += 1
                }
            }
        }
        var winner = 0
        for c in 1..<k where votes[c] > votes[winner] { winner = c }
        var share = [Double](repeating: 0, count: tagNames.count)
        let pairs = Double(k * (k - 1) / 2)
        for (c, combo) in combinations.enumerated() { for t in combo { share[t] += Double(votes[c]) / pairs } }
        return combinations[winner].map { (tagNames[$0], (share[$0] * 10000).rounded() / 10000) }
            .sorted { $0.score > $1.score }
    }

    // MARK: model file

    struct Architecture: Codable {
        var name: String
        var featureCount: Int
        var combinations: [[Int]]
    }

    /// Writes the model atomically (`ModelFile`): `pairs.weight` [pairs, kept features], `pairs.bias`,
    /// `features.index` (kept feature columns), the combinations in the architecture object, tag names as classes.
    public func write(path: String, metadata: [String: String] = [:]) throws {
        let arch = Architecture(name: Self.architectureName, featureCount: featureCount, combinations: combinations)
        let json = String(decoding: try JSONEncoder().encode(arch), as: UTF8.self)
        var meta = metadata
        meta["backbone"] = backbone
        let file = try ModelFile(architectureJSON: json, classes: tagNames, normalization: .init(mean: [0], std: [1]),
                                 inputSize: [featureCount], metadata: meta, tensors: [
            .init(name: "pairs.weight", shape: [pairCount, features.count], values: weights),
            .init(name: "pairs.bias", shape: [pairCount], values: bias),
            .init(name: "features.index", shape: [features.count], values: features.map(Float.init)),
        ])
        try file.write(path: path)
    }

    public convenience init(path: String) throws(ServingError) {
        do {
            let file = try ModelFile.read(path: path)
            guard file.architectureName == Self.architectureName else {
                throw ServingError(.badModel, "\(path) is a '\(file.architectureName)' model, not a tags model; "
                    + "train one with `camsift train --tags`")
            }
            let arch = try file.architecture(as: Architecture.self)
            let w = try file.tensor("pairs.weight"), b = try file.tensor("pairs.bias"), f = try file.tensor("features.index")
            let k = arch.combinations.count
            let features = f.values.map { Int($0) }
            guard b.values.count == k * (k - 1) / 2, w.shape == [b.values.count, features.count],
                  features.allSatisfy({ (0..<arch.featureCount).contains($0) }),
                  arch.combinations.allSatisfy({ $0.allSatisfy { (0..<file.classes.count).contains($0) } }) else {
                throw ServingError(.badModel, "tags model \(path) is inconsistent (pairs, features or combinations); "
                    + "retrain it with `camsift train --tags`")
            }
            self.init(tagNames: file.classes, featureCount: arch.featureCount, features: features,
                      combinations: arch.combinations,
                      weights: (0..<b.values.count).map { Array(w.values[($0 * features.count)..<(($0 + 1) * features.count)]) },
                      bias: b.values, backbone: file.metadata["backbone"] ?? "",
                      version: "tags-" + ModelVersion.of(modelFile: path))
        } catch let e as ServingError {
            throw e
        } catch {
            throw ServingError(.badModel, "cannot read tags model \(path)", cause: error)
        }
    }
}
