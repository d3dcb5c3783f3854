import CamsiftCore
import Foundation
import Media
import NN

/// The cheap path's classifier (issue 20; Yan, Chen, Shyu, Chen, "Deep Learning for Imbalanced Multimedia Data
/// Classification", §III): a decoded frame → a small downscale (`side` × `side`, the daemon's resampler) →
/// the concatenated low-level features (`Media.LowLevelFeatures`: Haar, HOG, HSV, YCbCr, CEDD) → PCA to 324
/// values (`PrincipalComponents`, fitted on the training split) scaled to mean variance 1 → the Table III network
/// (`NN.LowLevelCNN`, 18 × 18 input) → softmax over `classes`.
///
/// Two uses, one file format (`lowlevel-cnn`): a binary concept detector (`camsift train --arch lowlevel
/// --concept NAME`, classes `not-NAME`, `NAME`, the paper's two outputs) and the cascade's cheap stage in
/// front of a bundle's main model (`CheapStage`, one output per bundle class — the K-way softmax is the
/// natural generalisation of Table III's two outputs). Training computes its inputs with `input(_:)`, so
/// archive and live frames give the same 324 values.
///
/// Deviation, stated: the paper extracts features from the full keyframe; camsift extracts them from a
/// `side`-pixel downscale of the frame the daemon already decoded (default 40), because features of a 224²
/// frame cost 4.8 CPU-ms — more than half an EfficientNet-Lite0 pass — and the cascade must cost ≤ 1/20 of one.
/// Thread-confined (the network keeps workspaces): one instance per thread.
public final class LowLevelClassifier: @unchecked Sendable {
    public static let architectureName = "lowlevel-cnn"
    /// The feature side the cascade uses by default: features of a 40 × 40 downscale (at 48² the cheap stage cost
    /// 1/19.5 of an EfficientNet-Lite0 pass, short of the 1/20 target; `make bench-cascade`).
    public static let defaultSide = 40

    public let classes: [String]
    public let side: Int
    public let pca: PrincipalComponents
    /// Multiplies the projected values so their mean variance over the 324 inputs is 1.
    public let scale: Float
    /// Temperature of the softmax (Guo et al. 2017 §4.2), fitted on the reference split; 1 when not fitted.
    public let temperature: Double
    public let version: String
    private let network: Sequential
    private let extractor = LowLevelFeatures()

    public init(classes: [String], side: Int, pca: PrincipalComponents, scale: Float, network: Sequential,
                temperature: Double = 1, version: String = "lowlevel-new") throws(ServingError) {
        guard classes.count >= 2, side >= 24, pca.outputDimensions == PrincipalComponents.paperDimensions,
              scale.isFinite, scale > 0, temperature.isFinite, temperature > 0 else {
            throw ServingError(.badModel, "low-level classifier: \(classes.count) classes (≥ 2), side \(side) (≥ 24), "
                + "PCA output \(pca.outputDimensions) (324), scale \(scale) and temperature \(temperature) (> 0)")
        }
        guard pca.inputDimensions == Self.featureCount(side: side) else {
            throw ServingError(.badModel, "low-level classifier: PCA fitted on \(pca.inputDimensions) features, a "
                + "\(side)² frame gives \(Self.featureCount(side: side)); retrain it")
        }
        self.classes = classes
        self.side = side
        self.pca = pca
        self.scale = scale
        self.network = network
        self.temperature = temperature
        self.version = version
    }

    /// Length of the raw feature vector of a `side` × `side` frame.
    public static func featureCount(side: Int) -> Int { LowLevelFeatures().featureCount(width: side, height: side) }

    /// The frame as the features see it: the central square of the decoded frame (already framed for the main
    /// model, so usually all of it) averaged down to `side` × `side` — each output pixel the mean of its block of
    /// source pixels (block edges at ⌊i·m / side⌋), in integers. A box filter rather than the daemon's resampler:
    /// the cheap stage only needs a faithful thumbnail, and the resampler's 224² → 48² costs 0.26 CPU-ms a frame,
    /// more than all five feature families together (`make bench-cascade`). A frame already at `side` is used as is.
    public static func downscale(_ frame: DecodedFrame, side: Int) -> DecodedFrame {
        let w = frame.width, h = frame.height
        if w == side && h == side { return frame }
        let m = min(w, h), x0 = (w - m) / 2, y0 = (h - m) / 2
        var edges = [Int](repeating: 0, count: side + 1)
        for i in 0...side { edges[i] = i * m / side }
        // Horizontal sums per source row of the square, then vertical sums of those.
        var rows = [UInt32](repeating: 0, count: m * side * 3)
        frame.rgb.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { r in
                for y in 0..<m {
                    let line = src.baseAddress! + ((y0 + y) * w + x0) * 3
                    let out = r.baseAddress! + y * side * 3
                    for i in 0..<side {
                        var s0: UInt32 = 0, s1: UInt32 = 0, s2: UInt32 = 0
                        for x in edges[i]..<max(edges[i] + 1, edges[i + 1]) {
                            s0 &+= UInt32(line[x * 3]); s1 &+= UInt32(line[x * 3 + 1]); s2 &+= UInt32(line[x * 3 + 2])
                        }
                        out[i * 3] = s0; out[i * 3 + 1] = s1; out[i * 3 + 2] = s2
                    }
                }
            }
        }
        let rgb = [UInt8](unsafeUninitializedCapacity: side * side * 3) { buf, count in
            rows.withUnsafeBufferPointer { r in
                for j in 0..<side {
                    let ya = edges[j], yb = max(edges[j] + 1, edges[j + 1])
                    for i in 0..<side {
                        let xa = edges[i], xb = max(edges[i] + 1, edges[i + 1])
                        let n = UInt32((yb - ya) * (xb - xa))
                        for c in 0..<3 {
                            var s: UInt32 = 0
                            for y in ya..<yb { s &+= r[(y * side + i) * 3 + c] }
                            buf[(j * side + i) * 3 + c] = UInt8((s + n / 2) / n)
                        }
                    }
                }
            }
            count = side * side * 3
        }
        return DecodedFrame(width: side, height: side, rgb: rgb)
    }

    /// The raw low-level features of one frame at `side` (what PCA is fitted on).
    public static func rawFeatures(_ frame: DecodedFrame, side: Int) -> [Float] {
        LowLevelFeatures().features(downscale(frame, side: side))
    }

    /// The network's 324 input values for one frame.
    public func input(_ frame: DecodedFrame) -> [Float] {
        Self.input(raw: extractor.features(Self.downscale(frame, side: side)), pca: pca, scale: scale)
    }

    /// PCA projection of raw features, scaled.
    public static func input(raw: [Float], pca: PrincipalComponents, scale: Float) -> [Float] {
        var out = pca.project(raw)
        for i in out.indices { out[i] *= scale }
        return out
    }

    /// The PCA scale: 1 / √(mean variance over the 324 outputs).
    public static func scale(for pca: PrincipalComponents) -> Float {
        let mean = pca.variances.reduce(0, +) / Float(pca.outputDimensions)
        return mean > 0 ? 1 / mean.squareRoot() : 1
    }

    /// Softmax probabilities (before temperature scaling), one row per input vector.
    public func probabilities(inputs: [[Float]]) throws(ServingError) -> [[Float]] {
        guard !inputs.isEmpty else { return [] }
        do {
            let p = try network.predictProbabilities(try LowLevelCNN.input(inputs))
            let k = classes.count
            return (0..<inputs.count).map { Array(p[($0 * k)..<(($0 + 1) * k)]) }
        } catch {
            throw ServingError(.badInput, "low-level classifier \(version) failed on \(inputs.count) frames", cause: error)
        }
    }

    /// Softmax probabilities (before temperature scaling) of decoded frames. The batch is projected together
    /// (`PrincipalComponents.project(batch:)`: the 324 × D components are read once per batch, not once a frame).
    public func probabilities(_ frames: [DecodedFrame]) throws(ServingError) -> [[Float]] {
        var inputs = pca.project(batch: frames.map { extractor.features(Self.downscale($0, side: side)) })
        for k in inputs.indices { for i in inputs[k].indices { inputs[k][i] *= scale } }
        return try probabilities(inputs: inputs)
    }

    /// `p` at this classifier's temperature.
    public func calibrated(_ p: [Float]) -> [Float] { Temperature.scale(p, by: temperature) }

    // MARK: model file

    struct Architecture: Codable {
        var name: String
        var side: Int
        var scale: Float
        var temperature: Double
    }

    /// Writes the model atomically (`ModelFile`): the network's tensors (`conv1.*`, `conv2.*`, `fc.*`), then
    /// `pca.mean` [D], `pca.components` [k, D] and `pca.variances` [k]; side, scale and temperature in the
    /// architecture object.
    public func write(path: String, metadata: [String: String] = [:]) throws {
        let arch = Architecture(name: Self.architectureName, side: side, scale: scale, temperature: temperature)
        let json = String(decoding: try JSONEncoder().encode(arch), as: UTF8.self)
        let d = pca.inputDimensions, k = pca.componentCount
        let file = try ModelFile(architectureJSON: json, classes: classes, normalization: .init(mean: [0], std: [1]),
                                 inputSize: [side, side], metadata: metadata,
                                 tensors: network.modelFileTensors() + [
            .init(name: "pca.mean", shape: [d], values: pca.mean),
            .init(name: "pca.components", shape: [k, d], values: pca.components),
            .init(name: "pca.variances", shape: [k], values: pca.variances),
        ])
        try file.write(path: path)
    }

    public convenience init(path: String) throws(ServingError) {
        do {
            let file = try ModelFile.read(path: path)
            guard file.architectureName == Self.architectureName else {
                throw ServingError(.badModel, "\(path) is a '\(file.architectureName)' model, not a low-level one; train "
                    + "one with `camsift train --arch lowlevel` or `--cascade`")
            }
            let arch = try file.architecture(as: Architecture.self)
            let mean = try file.tensor("pca.mean"), comps = try file.tensor("pca.components")
            let vars = try file.tensor("pca.variances")
            let pca = try PrincipalComponents(mean: mean.values, components: comps.values, variances: vars.values,
                                              outputDimensions: PrincipalComponents.paperDimensions)
            let net = try LowLevelCNN.make(outputs: file.classes.count, seed: 0)
            try net.load(named: file.tensors.filter { !$0.name.hasPrefix("pca.") }
                .map { ($0.name, Tensor(shape: Shape($0.shape), values: $0.values)) })
            try self.init(classes: file.classes, side: arch.side, pca: pca, scale: arch.scale, network: net,
                          temperature: arch.temperature, version: "lowlevel-" + ModelVersion.of(modelFile: path))
        } catch let e as ServingError {
            throw e
        } catch {
            throw ServingError(.badModel, "cannot read low-level model \(path); retrain it with `camsift train --arch "
                + "lowlevel` or `--cascade`", cause: error)
        }
    }
}
