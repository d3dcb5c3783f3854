import CamsiftCore
import Foundation
import NN
import Serving

/// `camsift train --cascade` (issue 20, "The cascade"): after the main models, trains the bundle's cheap stage and
/// fits its threshold, then records both in `bundle.json` (`CascadeSpec`).
///
/// 1. The images of the bundle's own split (`split.json`) go through the daemon's decode path at the main model's
///    geometry, then the cheap stage's (`LowLevelClassifier`: a `side`² downscale, low-level features, PCA fitted
///    on the training split).
/// 2. The Table III network with one output per bundle class (the K-way softmax generalising the paper's two
///    outputs) learns the archive labels of the training split — the labels the main model learned — on shuffled
///    batches (Table I's batching is defined for one binary concept).
/// 3. Its temperature is fitted on the reference split against the archive labels (`TemperatureScaling`).
/// 4. The main model (`BundleClassifier`, exactly as the daemon serves it) labels the reference and test splits —
///    agreement needs no archive label, and neither split trained the cheap stage, so both serve; the threshold is
///    the lowest calibrated confidence at which the Wilson lower bound (`confidenceLevel`) of the cheap stage's
///    agreement with it on the frames at or above reaches `targetAgreement` (`CascadeThreshold.choose`). When no
///    confidence does (too few frames or too many disagreements) the stage is kept but settles nothing.
public enum CascadeTraining {
    public struct Options: Sendable {
        public var bundle: String
        public var side = LowLevelClassifier.defaultSide
        /// Passes over the training split; nil: enough passes for `minimumSteps` optimiser steps (at least 40) —
        /// small archives need many passes (measured: 40 passes over 181 images left the cheap stage at 46 %
        /// test accuracy, 200 at 100 %).
        public var epochs: Int?
        public static let minimumSteps = 3_000
        public var batchSize = 32
        public var seed: UInt64 = 1
        public var learningRate: Float = 1e-3
        public var targetAgreement = 0.98
        public var confidenceLevel = CascadeThreshold.defaultLevel
        public var threads = 1

        public init(bundle: String) { self.bundle = bundle }
    }

    public struct Report: Sendable {
        public var spec: CascadeSpec
        public var temperature: Double
        /// The cheap stage's own accuracy on the whole test split (argmax, against the archive labels; nil without
        /// a test split).
        public var testAccuracy: Double?
        /// Why the stage settles nothing, and what to change (nil when it settles frames).
        public var note: String?
    }

    public static func run(_ o: Options, log: (String) -> Void = { _ in }) throws -> Report {
        let manifest = try SplitManifest.read(o.bundle)
        let main: BundleClassifier
        do { main = try BundleClassifier(directory: o.bundle, threads: o.threads) } catch {
            throw LearningError(.badBundle, "--cascade: cannot serve the bundle just written (\(error))")
        }
        let classes = main.bundle.classes
        guard manifest.classes == classes else {
            throw LearningError(.badBundle, "--cascade: split.json classes differ from bundle.json's; retrain the bundle")
        }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let mainLabels = { (frames: [DecodedFrame], companion: [DecodedFrame]?) throws -> [Int] in
            try main.classify(frames, companion: companion).map { index[$0.label]! }
        }
        let g = main.geometry
        log("cascade: low-level features at \(o.side)×\(o.side) of \(manifest.train.count) + \(manifest.reference.count) + "
            + "\(manifest.test.count) images (train, reference, test), main model \(main.version) on reference and test")
        let trainRaw = try LowLevelData.features(paths: manifest.train.map(manifest.path), geometry: g, side: o.side).raw
        let ref = try LowLevelData.features(paths: manifest.reference.map(manifest.path), geometry: g, side: o.side,
                                            companion: main.companionGeometry, classify: mainLabels)
        let test = try LowLevelData.features(paths: manifest.test.map(manifest.path), geometry: g, side: o.side,
                                             companion: main.companionGeometry, classify: mainLabels)
        let (pca, scale) = try LowLevelData.pca(trainRaw)
        let project = { (raw: [[Float]]) in raw.map { LowLevelClassifier.input(raw: $0, pca: pca, scale: scale) } }
        let yTrain = manifest.train.map(\.label), yRef = manifest.reference.map(\.label), yTest = manifest.test.map(\.label)

        let model = try LowLevelCNN.make(outputs: classes.count, seed: o.seed)
        var rng = SeededGenerator(seed: o.seed, stream: "cascade-batches")
        let perPass = (yTrain.count + o.batchSize - 1) / o.batchSize
        let passes = o.epochs ?? max(40, (Options.minimumSteps + perPass - 1) / max(1, perPass))
        let batches = LowLevelData.shuffledBatches(count: yTrain.count, size: o.batchSize, passes: passes, rng: &rng)
        try LowLevelData.train(model, inputs: project(trainRaw), labels: yTrain, batches: batches, learningRate: o.learningRate)
        let untuned = try LowLevelClassifier(classes: classes, side: o.side, pca: pca, scale: scale, network: model)
        let refP = try untuned.probabilities(inputs: project(ref.raw))
        guard !refP.isEmpty else {
            throw LearningError(.badArchive, "--cascade: the reference split is empty; the threshold is chosen on it")
        }
        let t = TemperatureScaling.fit(probabilities: refP, labels: yRef).temperature
        let cheap = try LowLevelClassifier(classes: classes, side: o.side, pca: pca, scale: scale, network: model, temperature: t)
        func confident(_ p: [[Float]]) -> (confidence: [Double], label: [Int]) {
            (p.map { Double(cheap.calibrated($0).max() ?? 0) }, p.map(Fusion.argmax))
        }
        let testP = test.raw.isEmpty ? [] : try cheap.probabilities(inputs: project(test.raw))
        let fit = confident(refP + testP)
        let pick = CascadeThreshold.choose(confidence: fit.confidence,
                                           agrees: zip(fit.label, ref.labels + test.labels).map { $0 == $1 },
                                           target: o.targetAgreement, level: o.confidenceLevel)
        var spec = CascadeSpec(model: "", threshold: pick.threshold, targetAgreement: o.targetAgreement,
                               referenceAgreement: pick.agreement, referenceCoverage: pick.coverage)
        spec.confidenceLevel = o.confidenceLevel
        spec.agreementBound = pick.lowerBound
        spec.fittedFrames = fit.confidence.count
        var report = Report(spec: spec, temperature: t)
        if !testP.isEmpty {
            report.testAccuracy = Double(zip(testP.map(Fusion.argmax), yTest).filter { $0 == $1 }.count) / Double(yTest.count)
        }
        if pick.settled == 0 {
            let z = CascadeThreshold.normalQuantile(o.confidenceLevel)
            let needed = Int((z * z * o.targetAgreement / (1 - o.targetAgreement)).rounded(.up))
            report.note = (String(format: "cascade: no threshold reaches %.2f agreement at %.0f %% confidence on %d frames (reference + "
                       + "test), so the cheap stage settles nothing; even with every frame agreeing the bound needs ≥ %d — "
                       + "label more frames, give the reference and test splits more (--split), or lower "
                       + "--cascade-agreement / --cascade-confidence", o.targetAgreement, o.confidenceLevel * 100,
                       fit.confidence.count, needed))
        }
        report.spec.model = try LowLevelData.writeModel(cheap, dir: o.bundle, prefix: "cheap", metadata: [
            "role": "cascade", "seed": String(o.seed), "epochs": String(passes)])
        var bundle = try ModelBundle.read(o.bundle)
        bundle.cascade = report.spec
        try bundle.write(to: o.bundle)
        return report
    }
}
