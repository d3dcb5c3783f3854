import CamsiftCore
import Foundation
import Media
import NN
import Serving

/// Builds, loads and feeds the network for an `Architecture`: decides the input size, loads the splits
/// into memory (pixels, or cached backbone features for transfer learning), and creates fresh or saved
/// networks. One place knows which engine type backs which architecture.
public struct NetworkFactory: Sendable {
    /// The network's input: square side, channels, and how archive images are framed into it.
    public struct InputSpec: Sendable, Equatable {
        public var channels: Int
        public var height: Int
        public var width: Int
        public var fit: FitMode = .crop
        public var cropFraction: Double = 1

        public init(channels: Int, height: Int, width: Int, fit: FitMode = .crop, cropFraction: Double = 1) {
            self.channels = channels
            self.height = height
            self.width = width
            self.fit = fit
            self.cropFraction = cropFraction
        }

        /// The geometry with a normalisation (0/1 until training measured it).
        public func geometry(mean: [Float]? = nil, std: [Float]? = nil) -> InputGeometry {
            InputGeometry(size: height, channels: channels, fit: fit, cropFraction: cropFraction, mean: mean, std: std)
        }
    }

    public struct Prepared {
        public var train: ImageSet
        public var reference: ImageSet
        public var test: ImageSet
        public var normalization: Normalization
    }

    public init() {}

    /// The network input for `options`: explicit `--input-size`/`--channels`, else from the first image
    /// (gray stays gray; side clamped to 28…64 for the from-scratch networks; 224 RGB for EfficientNet).
    public func inputSpec(_ o: TrainingSession.Options, archive: LabeledArchive) throws -> InputSpec {
        guard o.cropFraction > 0 && o.cropFraction <= 1 else {
            throw LearningError(.badArgument, "--crop-fraction must be in (0, 1], got \(o.cropFraction)")
        }
        if o.architecture == .effnetLite0 {
            // The backbone's own input side (224 for the ImageNet weights `make weights` imports), or `--input-size`
            // for level 1 (any multiple of 32: convolutions, then global pooling).
            var side = (try? ModelFile.read(path: try backbonePath(o)))?.inputSize.first ?? 224
            if o.inputSize > 0 && o.inputSize != side {
                guard o.topBlocks == 0, o.inputSize % 32 == 0, (96...512).contains(o.inputSize) else {
                    throw LearningError(.badArgument, "--input-size \(o.inputSize) with --arch effnet-lite0: use a multiple of 32 "
                        + "in 96…512 with --fine-tune-blocks 0 (level 2 trains at the backbone's \(side))")
                }
                side = o.inputSize
            }
            return InputSpec(channels: 3, height: side, width: side, fit: o.fit, cropFraction: o.cropFraction)
        }
        let first = archive.items[0].path
        let bytes = try ImageSet.readFile(first)
        let info: (width: Int, height: Int, gray: Bool)
        do { info = try TrainingImageCodec.header(bytes: bytes, name: first) } catch {
            throw LearningError(.badImage, "\(error)")
        }
        let side = o.inputSize > 0 ? o.inputSize : min(64, max(28, max(info.width, info.height)))
        let ch = o.channels > 0 ? o.channels : (info.gray ? 1 : 3)
        guard ch == 1 || ch == 3 else { throw LearningError(.badArgument, "--channels must be 1 or 3, got \(ch)") }
        return InputSpec(channels: ch, height: side, width: side, fit: o.fit, cropFraction: o.cropFraction)
    }

    public func prepare(_ archive: LabeledArchive, split: DatasetSplit, spec: InputSpec, options o: TrainingSession.Options,
                        log: (String) -> Void) throws -> Prepared {
        if o.architecture == .effnetLite0 {
            let backbone = try FeatureCache(path: try backbonePath(o), topBlocks: o.topBlocks, fit: spec.fit,
                                            cropFraction: spec.cropFraction, side: spec.height)
            log(o.topBlocks == 0
                ? "effnet-lite0 level 1: caching 1280-d features (\(o.featureDraws) draw(s) per training image)"
                : "effnet-lite0 levels 1+2: caching the trunk below the top \(o.topBlocks) block(s) "
                  + "(\(o.featureDraws) draw(s) per training image); head alone for \(Int(o.levelOneFraction * 100))% of "
                  + "the iterations, then the top blocks at ×\(o.fineTuneLRScale) the rate")
            // Level 1 keeps its features in `--feature-cache` when given (`FeatureStore`; trunk outputs are too big).
            // The weights' digest once for both namespaces (it hashes every backbone tensor).
            let digest = o.featureCache != nil && o.topBlocks == 0 ? try backbone.digest() : ""
            func store(draws: Int, _ augmentation: Augmentation) throws -> FeatureStore? {
                guard let root = o.featureCache, o.topBlocks == 0 else { return nil }
                return try FeatureStore(root: root, digest: digest,
                                        namespace: FeatureStore.namespace(geometry: backbone.geometry, draws: draws,
                                                                          augmentation: augmentation),
                                        floatsPerImage: draws * 1280)
            }
            let draws = o.featureDraws, aug = o.configuration.augmentation
            let train = try backbone.features(archive, indices: split.train, draws: draws, augmentation: aug,
                                              seed: o.configuration.seed, store: try store(draws: draws, aug))
            let clean = try store(draws: 1, .none)
            let ref = try backbone.features(archive, indices: split.reference, store: clean)
            let test = try backbone.features(archive, indices: split.test, store: clean)
            return Prepared(train: train, reference: ref, test: test,
                            normalization: Normalization(mean: [Float](repeating: 0, count: 1280), std: [Float](repeating: 1, count: 1280)))
        }
        let train = try loadSet(archive, indices: split.train, spec: spec)
        let ref = try loadSet(archive, indices: split.reference, spec: spec)
        let test = try loadSet(archive, indices: split.test, spec: spec)
        return Prepared(train: train, reference: ref, test: test, normalization: Normalization.measure(train))
    }

    func backbonePath(_ o: TrainingSession.Options) throws -> String {
        guard let p = o.backbone, FileManager.default.fileExists(atPath: p) else {
            throw LearningError(.badArgument, "--arch effnet-lite0 needs the ImageNet backbone: pass --backbone "
                + "weights/effnet-lite0-imagenet.csm (built by `make weights`) or set CAMSIFT_EFFNET")
        }
        return p
    }

    /// The network's inputs for archive items `indices`: pixels at the input size, framed like live frames.
    public func loadSet(_ archive: LabeledArchive, indices: [Int], spec: InputSpec) throws -> ImageSet {
        try ImageSet.load(archive, indices: indices, geometry: spec.geometry())
    }

    public func make(_ spec: InputSpec, classCount: Int, seed: UInt64, options o: TrainingSession.Options) throws -> any TrainableNetwork {
        switch o.architecture {
        case .linear:
            return LinearSoftmaxNetwork(inputShape: (spec.channels, spec.height, spec.width), classCount: classCount, seed: seed)
        case .small:
            guard spec.height == spec.width else { throw LearningError(.badArgument, "small-cnn needs square inputs") }
            do {
                return try EngineNetwork.smallCNN(channels: spec.channels, size: spec.height, classCount: classCount, seed: seed,
                                                  initialization: o.configuration.initialization ?? .he)
            } catch { throw LearningError(.badArgument, "cannot build small-cnn: \(error)") }
        case .lowlevel:
            throw LearningError(.badArgument, "--arch lowlevel trains one concept detector: pass --concept NAME")
        case .effnetLite0:
            if o.topBlocks > 0 { return try effnetTop(try backbonePath(o), classCount: classCount, seed: seed, options: o) }
            let net = EngineNetwork.head(features: 1280, classCount: classCount, seed: seed, backbone: try backbonePath(o))
            net.servedInputSide = spec.height
            return net
        }
    }

    /// `--fine-tune-blocks` left unset: level 2 on the top 2 blocks when their cached inputs for `images`
    /// (images × draws) fit in `levelTwoCacheLimit`, else level 1 (5 KB per image instead of ~37 KB).
    func automaticTopBlocks(_ o: TrainingSession.Options, images: Int, log: (String) -> Void) throws -> Int {
        let blocks = 2
        let file = try ModelFile.read(path: try backbonePath(o))
        let a = try file.architecture(as: EfficientNetArchitecture.self)
        let (c, h, w) = EngineNetwork.trunkOutputShape(a, topBlocks: blocks, inputSide: file.inputSize.first ?? 224)
        let bytes = images * c * h * w * MemoryLayout<Float>.size
        guard bytes <= o.levelTwoCacheLimit else {
            log("effnet-lite0: level 2 would cache \(bytes >> 20) MiB of trunk outputs (limit \(o.levelTwoCacheLimit >> 20) MiB); "
                + "training level 1 only (pass --fine-tune-blocks to choose)")
            return 0
        }
        return blocks
    }

    func effnetTop(_ path: String, classCount: Int, seed: UInt64, options o: TrainingSession.Options) throws -> EngineNetwork {
        guard (1...16).contains(o.topBlocks) else {
            throw LearningError(.badArgument, "--fine-tune-blocks \(o.topBlocks): EfficientNet-Lite0 has 16 blocks; use 0 (level 1) to 16")
        }
        do {
            return try EngineNetwork.effnetTop(modelFile: path, topBlocks: o.topBlocks, classCount: classCount, seed: seed,
                                               levelOneFraction: o.levelOneFraction, learningRateScale: o.fineTuneLRScale)
        } catch let e as LearningError { throw e } catch {
            throw LearningError(.badArgument, "cannot build the level-2 network from '\(path)': \(error)")
        }
    }

    public func load(_ path: String, options o: TrainingSession.Options) throws -> any TrainableNetwork {
        if o.architecture == .effnetLite0 && o.topBlocks > 0 {
            // The reused model trains on trunk outputs cached from the backbone: its own trunk (everything below
            // the top K blocks) must be the backbone's, or its top blocks would see inputs it was not trained on.
            let file = try ModelFile.read(path: path), backbone = try ModelFile.read(path: try backbonePath(o))
            let top = ["head.", "classifier."] + (0..<o.topBlocks).map { "blocks.\(15 - $0)." }
            let mine = Dictionary(file.tensors.map { ($0.name, $0.values) }, uniquingKeysWith: { a, _ in a })
            if let differs = backbone.tensors.first(where: { t in !top.contains { t.name.hasPrefix($0) } && mine[t.name] != t.values }) {
                throw LearningError(.badBundle, "'\(path)': tensor '\(differs.name)' differs from the backbone's, so this model "
                    + "was not fine-tuned on the top \(o.topBlocks) block(s); pass the --fine-tune-blocks it was trained with, or retrain M0")
            }
            return try effnetTop(path, classCount: file.classes.count, seed: o.configuration.seed, options: o)
        }
        do { return try EngineNetwork.load(path: path) } catch let e as LearningError { throw e } catch {
            throw LearningError(.badBundle, "cannot load model '\(path)': \(error)")
        }
    }
}
