import Foundation
import Media

/// Builds, loads and feeds the network for an `Architecture`: decides the input size, loads the splits
/// into memory (pixels, or cached backbone features for transfer learning), and creates fresh or saved
/// networks. One place knows which engine type backs which architecture.
public struct NetworkFactory: Sendable {
    public struct InputSpec: Sendable, Equatable {
        public var channels: Int
        public var height: Int
        public var width: Int
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
        if o.architecture == .effnetLite0 { return InputSpec(channels: 3, height: 224, width: 224) }
        let first = archive.items[0].path
        let bytes = try ImageSet.readFile(first)
        let info: (width: Int, height: Int, gray: Bool)
        do { info = try TrainingImageCodec.header(bytes: bytes, name: first) } catch {
            throw LearningError(.badImage, "\(error)")
        }
        let side = o.inputSize > 0 ? o.inputSize : min(64, max(28, max(info.width, info.height)))
        let ch = o.channels > 0 ? o.channels : (info.gray ? 1 : 3)
        guard ch == 1 || ch == 3 else { throw LearningError(.badArgument, "--channels must be 1 or 3, got \(ch)") }
        return InputSpec(channels: ch, height: side, width: side)
    }

    public func prepare(_ archive: LabeledArchive, split: DatasetSplit, spec: InputSpec, options o: TrainingSession.Options,
                        log: (String) -> Void) throws -> Prepared {
        let train = try loadSet(archive, indices: split.train, spec: spec, architecture: o.architecture)
        let ref = try loadSet(archive, indices: split.reference, spec: spec, architecture: o.architecture)
        let test = try loadSet(archive, indices: split.test, spec: spec, architecture: o.architecture)
        return Prepared(train: train, reference: ref, test: test, normalization: Normalization.measure(train))
    }

    /// The network's inputs for archive items `indices` (pixels at the input size).
    public func loadSet(_ archive: LabeledArchive, indices: [Int], spec: InputSpec, architecture: Architecture) throws -> ImageSet {
        try ImageSet.load(archive, indices: indices, channels: spec.channels, height: spec.height, width: spec.width)
    }

    public func make(_ spec: InputSpec, classCount: Int, seed: UInt64, options o: TrainingSession.Options) throws -> any ClassifierNetwork {
        switch o.architecture {
        case .linear:
            return LinearSoftmaxNetwork(inputShape: (spec.channels, spec.height, spec.width), classCount: classCount, seed: seed)
        case .small, .effnetLite0:
            throw LearningError(.badArgument, "--arch \(o.architecture.rawValue) needs the NN engine, which this build lacks")
        }
    }

    public func load(_ path: String, options o: TrainingSession.Options) throws -> any ClassifierNetwork {
        throw LearningError(.badBundle, "cannot load '\(path)': model loading needs the NN engine")
    }
}
