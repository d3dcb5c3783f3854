import CamsiftCore
import Learning
import Media
import Pipeline

/// What a live retrain does, decided once when the daemon starts and logged: the archive and bundle store, the
/// network (transfer learning on EfficientNet-Lite0 when the ImageNet model is there, else the from-scratch
/// small CNN), its learning rate, the fine-tuned blocks, the framing, the seed and the promotion margin. The
/// config's `retrainFineTuneBlocks` (−1 = automatic) becomes the session's `fineTuneBlocks` here and nowhere
/// else, so nothing is re-decided per retrain or in a second optional layer.
public struct RetrainPlan: Sendable, CustomStringConvertible {
    public var archive: String
    public var models: String
    /// Training threads (the daemon's compute threads: training shares them with inference, at low priority).
    public var threads: Int
    /// The promotion guard's margin over the serving bundle's macro F1.
    public var margin = 0.0
    /// `camsift train`'s options for the candidate, but for the output directory (a fresh staging directory
    /// per run). Its configuration carries the seed, which also fixes the held-out split both bundles are
    /// scored on.
    public var training: TrainingSession.Options

    /// The plan for `architecture` (nil: transfer learning when the ImageNet backbone is found) with `camsift
    /// train`'s defaults for it: the recommended configuration at that architecture's learning rate.
    public init(archive: String, models: String, threads: Int, architecture: Architecture? = nil,
                fineTuneBlocks: Int? = nil, fit: FitMode = .crop, seed: UInt64 = 1) {
        self.archive = archive
        self.models = models
        self.threads = threads
        let backbone = ModelLoader.imagenetPath(modelsDir: models)
        var o = TrainingSession.Options(archive: archive, out: "")
        o.architecture = architecture ?? (backbone != nil ? .effnetLite0 : .small)
        o.backbone = backbone
        o.fineTuneBlocks = fineTuneBlocks
        o.fit = fit
        o.configuration = TrainingConfiguration.recommended
        o.configuration.learningRate = TrainingConfiguration.defaultLearningRate(for: o.architecture)
        o.configuration.seed = seed
        training = o
    }

    /// The daemon's plan: the config's archive, models, compute threads, `fit` and `retrainFineTuneBlocks`.
    public init(config: CamsiftConfig) {
        self.init(archive: config.archive, models: config.models, threads: max(1, config.computeThreads),
                  fineTuneBlocks: config.retrainFineTuneBlocks >= 0 ? config.retrainFineTuneBlocks : nil,
                  fit: FitMode(rawValue: config.fit) ?? .crop)
    }

    public var seed: UInt64 { training.configuration.seed }

    public var description: String {
        let o = training
        let blocks = o.architecture != .effnetLite0 ? "" : o.fineTuneBlocks.map { ", \($0) top block(s) fine-tuned" }
            ?? ", top blocks automatic"
        return "\(o.architecture.rawValue)\(o.backbone.map { " on \($0)" } ?? "")\(blocks), lr \(o.configuration.learningRate), "
            + "sampler \(o.configuration.sampler.rawValue), \(o.configuration.iterations) iterations, fit \(o.fit.rawValue), "
            + "seed \(o.configuration.seed), from \(archive) into \(models) (promotion margin \(margin))"
    }
}
