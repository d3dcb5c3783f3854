import CamsiftCore
import Foundation
import Media
import NN
import Serving

/// `camsift train` end to end: scan the archive, split it (70/10/20 unless `Options.split` says otherwise; seeded,
/// stratified or by camera), load the images, train the requested regime, pick the fusion threshold on the
/// reference set, score the test split (when there is one), and write the bundle (split.json, models, then
/// bundle.json, atomically) and the report.
public struct TrainingSession: Sendable {
    public struct Options: Sendable {
        public var archive: String
        public var out: String
        public var architecture: Architecture = .small
        public var configuration = TrainingConfiguration()
        public var splitBy: DatasetSplit.Grouping = .image
        /// Train/reference/test percentages; test may be 0 when the test set is external (the bundle then has no
        /// test metrics).
        public var split = SplitShares.default
        /// Input side for `.small`/`.linear` (0 = from the first image, clamped to 28…64).
        public var inputSize = 0
        /// 0 = gray when the first image is gray, else RGB.
        public var channels = 0
        /// How archive images are framed into the square input (recorded in the bundle; the daemon serves with
        /// it): centre crop or letterbox, after keeping the central `cropFraction` of the image.
        public var fit: FitMode = .crop
        public var cropFraction = 1.0
        /// Take M0 from this existing bundle instead of training it (must come from the same archive/seed).
        public var reuseM0: String?
        /// The command line, for provenance.
        public var command = "camsift train"
        /// Pretrained backbone model file for `.effnetLite0`.
        public var backbone: String?
        /// Cached feature draws per training image for `.effnetLite0` (1 clean + the rest augmented).
        public var featureDraws = 2
        /// Cached feature draws per training image for the companion member E (1 = its clean features only).
        /// Measured on the long-tail benchmark (default profile, 3 seeds, 2026-12-07): one draw 0.903 balanced macro
        /// F1 for the bundle, two 0.904, within seed noise, for half of E's backbone passes on a first training.
        public var companionFeatureDraws = 1
        /// Directory that keeps level-1 backbone features between trainings (`FeatureStore`); nil = none.
        public var featureCache: String?
        /// Level-2 transfer learning for `.effnetLite0`: fine-tune the top k blocks (and the head conv) after the
        /// classifier alone has trained for `levelOneFraction` of each model's iterations; 0 = level 1 only;
        /// nil = 2 when the cached trunk outputs fit in `levelTwoCacheLimit`, else level 1 (bench/RESULTS.md,
        /// "Transfer learning, level 2": +1.0…2.2 points of accuracy for ~6× the training time).
        public var fineTuneBlocks: Int?
        public var levelOneFraction = 0.5
        /// Learning-rate multiplier of level 2 (measured: ×0.1, the method's "lower rate", gained nothing there).
        public var fineTuneLRScale: Float = 3
        /// Bytes the level-2 trunk cache may take before `fineTuneBlocks == nil` falls back to level 1.
        public var levelTwoCacheLimit = 2 << 30
        /// Top blocks fine-tuned (0 = level 1), once `fineTuneBlocks` is resolved.
        public var topBlocks: Int { fineTuneBlocks ?? 0 }

        public init(archive: String, out: String) {
            self.archive = archive
            self.out = out
        }
    }

    public var options: Options
    public var networks: NetworkFactory
    /// Called after each iteration: (model name, record, total iterations).
    public var progress: (@Sendable (String, IterationRecord, Int) -> Void)?
    public var log: @Sendable (String) -> Void = { _ in }

    public init(options: Options, networks: NetworkFactory) {
        self.options = options
        self.networks = networks
    }

    public func run() throws -> (bundle: ModelBundle, report: TrainingReport) {
        var o = options
        var cfg = o.configuration
        let archive = try LabeledArchive.scan(o.archive)
        let k = archive.classes.count
        let labels = archive.items.map(\.label)
        let split = try DatasetSplit.make(labels: labels, groups: archive.items.map(\.camera), by: o.splitBy,
                                          classCount: k, seed: cfg.seed, shares: o.split)
        for (name, part) in [("train", split.train), ("reference", split.reference)] where part.isEmpty {
            throw LearningError(.badArchive, "archive '\(o.archive)' leaves the \(name) split empty; add images (≥ 3 per class)")
        }
        if o.architecture == .effnetLite0 && o.fineTuneBlocks == nil {
            o.fineTuneBlocks = try networks.automaticTopBlocks(o, images: split.train.count * o.featureDraws
                                                                   + split.reference.count + split.test.count, log: log)
        }
        let manifest = SplitManifest(archive: archive, split: split, shares: o.split, seed: cfg.seed, splitBy: o.splitBy)
        log(manifest.table())
        let spec = try networks.inputSpec(o, archive: archive)
        log("archive \(archive.root): \(archive.items.count) images, \(k) classes; split \(split.train.count)/"
            + "\(split.reference.count)/\(split.test.count); input \(spec.geometry())")
        let data = try networks.prepare(archive, split: split, spec: spec, options: o, log: log)
        let trainStats = ClassStatistics(labels: data.train.labels, classCount: k)
        let ratios = trainStats.positiveNegativeRatios
        let twoModels = cfg.sampler == .dynamic || cfg.sampler == .fused

        func trainOne(_ name: String, _ c: TrainingConfiguration,
                      from initial: (any TrainableNetwork)? = nil) throws -> (any TrainableNetwork, Trainer.Result) {
            let net = try networks.make(spec, classCount: k, seed: c.seed &+ (name == "M1" ? 1 : 0), options: o)
            if let initial {
                // Algorithm 1's M¹₀ ← M0: same architecture, so the parameter lists line up tensor by tensor.
                let s = initial.snapshot(), mine = net.snapshot()
                guard s.count == mine.count, zip(s, mine).allSatisfy({ $0.count == $1.count }) else {
                    throw LearningError(.badBundle, "M0's parameters do not fit \(name)'s network; retrain M0 with this architecture")
                }
                net.restore(s)
            }
            var c = c
            if name == "M1" {
                c.iterations = c.m1Iterations(fromM0: initial != nil)
                if let m1 = c.m1Augmentation { c.augmentation = m1 }
                if let m1 = c.m1Mixup { c.mixup = m1 > 0 ? m1 : nil }
                if let part = c.m1Trains, part != .all {
                    // cRT (Kang et al. 2020): M0's representation, a classifier re-trained on class-balanced draws.
                    guard initial != nil else {
                        throw LearningError(.badArgument, "--m1-train \(part.rawValue) re-trains M1's head on M0's features; add --m1-start m0")
                    }
                    try net.freezeAll(except: part == .head ? ["fc"] : ["fc."])
                }
            }
            if o.architecture == .effnetLite0 { c.augmentation = .none; c.rareAugmentation = nil }  // baked into the cached feature draws
            if name == "M1" && c.m1Loss == .logitAdjusted {
                // Natural-mix draws; the loss sees z + log π (Menon et al. 2021, Eq. 10), so the scores M1 learns
                // are the balanced view's without repeating tail images.
                c.sampler = .plain
                try net.setTrainingLogitOffsets(trainStats.counts.map { Float(Foundation.log(max(Double($0), 1) / Double(max(data.train.count, 1)))) })
            }
            let trainer = Trainer(configuration: c, normalization: data.normalization)
            trainer.progress = { rec, total in progress?(name, rec, total) }
            let result = try trainer.train(net, train: data.train, reference: data.reference, classCount: k)
            if let r = result.stageRevert { log("\(name): " + TrainingReport.revertNote(r)) }
            return (net, result)
        }

        var trained: [(name: String, net: any TrainableNetwork, result: Trainer.Result?)] = []
        if twoModels {
            if let reuse = o.reuseM0 {
                let b = try ModelBundle.read(reuse)
                guard b.classes == archive.classes, let file = b.models["M0"] else {
                    throw LearningError(.badBundle, "--reuse-m0 '\(reuse)' has other classes or no M0; train it on the same archive")
                }
                trained.append(("M0", try networks.load(reuse + "/" + file, options: o), nil))
            } else {
                var c0 = cfg
                c0.sampler = .plain
                c0.keep = .last
                let (n0, r0) = try trainOne("M0", c0)
                trained.append(("M0", n0, r0))
            }
            let (n1, r1) = try trainOne("M1", cfg, from: cfg.m1Start == .m0 ? trained[0].net : nil)
            trained.append(("M1", n1, r1))
        } else {
            let (n, r) = try trainOne("M0", cfg)
            trained.append(("M0", n, r))
        }

        // The companion member on pretrained features (two-model samplers, `.adjusted` rule, a from-scratch pair).
        var companion: CompanionTraining.Trained?
        if twoModels, let settings = cfg.companion, cfg.fusionRule == .adjusted, o.architecture != .effnetLite0 {
            if let b = o.backbone, FileManager.default.fileExists(atPath: b) {
                companion = try CompanionTraining(archive: archive, split: split, options: o, networks: networks,
                                                  progress: progress, log: log).run()
                if let r = companion?.result.stageRevert { log("\(CompanionSpec.role): " + TrainingReport.revertNote(r)) }
                if cfg.priorWeight != nil, let lambda = settings.priorWeight { cfg.priorWeight = lambda }
            } else {
                log("no EfficientNet-Lite0 backbone (--backbone, $CAMSIFT_EFFNET or weights/effnet-lite0-imagenet.csm): "
                    + "trained without the companion member")
                cfg.companion = nil
            }
        } else {
            cfg.companion = nil
        }

        // Fusion threshold on the reference set (Eq. 3, grid over observed ratios).
        let refIn = data.normalization.apply(data.reference.pixels, channels: data.reference.channels, perImage: data.reference.perImage)
        let testIn = data.normalization.apply(data.test.pixels, channels: data.test.channels, perImage: data.test.perImage)
        var fusion: Fusion?
        var alternatives: [String: Fusion] = [:]
        if twoModels {
            let s0 = try trained[0].net.scores(inputs: refIn, count: data.reference.count)
            let s1 = try trained[1].net.scores(inputs: refIn, count: data.reference.count)
            func choose(_ rule: Fusion.Rule, _ objective: Fusion.Objective) -> (Fusion, Double) {
                let t = Fusion.chooseThreshold(ratios: ratios, scores0: s0, scores1: s1, truth: data.reference.labels,
                                               rule: rule, objective: objective)
                return (Fusion(ratios: ratios, threshold: t.threshold, rule: rule), t.referenceMacroF1)
            }
            // The `.adjusted` rule has no Tr: λ and w are fixed by the configuration (threshold stored as 0, unused).
            func adjusted(_ lambda: Double, _ w: Double, companion wE: Double? = nil) -> Fusion {
                Fusion(ratios: ratios, threshold: 0, rule: .adjusted, priorWeight: lambda, m0Weight: w, companionWeight: wE)
            }
            // λ: fixed by the configuration, or chosen on the reference set (Fusion.choosePriorWeight); the
            // reference pick for M1 alone (w = 0, the default before session 9) is scored as `fused:adjusted/ref`.
            func referencePick(_ w: Double) -> (priorWeight: Double, balancedMacroF1: Double, accuracy: Double) {
                Fusion.choosePriorWeight(ratios: ratios, scores0: s0, scores1: s1, truth: data.reference.labels, m0Weight: w)
            }
            let w = cfg.m0Weight ?? 0
            if cfg.fusionRule == .adjusted {
                let picked = cfg.priorWeight == nil ? referencePick(w) : nil
                let wE = companion == nil ? nil : cfg.companion?.weight
                let f = adjusted(cfg.priorWeight ?? picked!.priorWeight, w, companion: wE)
                fusion = f
                let p1 = wE.map { "(\(1 - $0)·log p1 + \($0)·log pE)" } ?? "log p1"
                let rule = w > 0 ? "\(1 - w)·\(p1) + \(w)·(log p0 − log π)" : p1
                if companion != nil, let lambda = options.configuration.priorWeight {
                    // What the same pair gives without the companion, at the pair's own λ (eval scores it too).
                    alternatives["fused:adjusted/no-\(CompanionSpec.role)"] = adjusted(lambda, w)
                }
                log("fusion adjusted: argmax \(rule) + \(f.priorWeight!)·log π" + (picked.map {
                    String(format: ", λ chosen on the reference (balanced-view macro F1 %.3f, accuracy %.3f)", $0.balancedMacroF1, $0.accuracy)
                } ?? " (fixed)"))
                if picked != nil {
                    alternatives["fused:adjusted/0.5"] = adjusted(0.5, w)
                } else {
                    alternatives["fused:adjusted/ref"] = adjusted(referencePick(0).priorWeight, 0)
                }
            } else {
                let (f, refF1) = choose(cfg.fusionRule, cfg.thresholdObjective)
                fusion = f
                log("fusion \(f.rule.rawValue): Tr = \(String(format: "%.4f", f.threshold)) chosen by reference "
                    + "\(cfg.thresholdObjective.rawValue) (reference macro F1 \(String(format: "%.3f", refF1)))")
                alternatives["fused:adjusted/ref"] = adjusted(referencePick(w).priorWeight, w)
            }
            // The other rules/objectives, scored on the same test split so the report measures each choice.
            for rule in Fusion.Rule.allCases where rule != .adjusted {
                for objective in (rule == .mean ? [Fusion.Objective.macroF1] : Fusion.Objective.allCases)
                where !(rule == cfg.fusionRule && objective == cfg.thresholdObjective) {
                    alternatives["fused:\(rule.rawValue)" + (rule == .mean ? "" : "/\(objective.rawValue)")] = choose(rule, objective).0
                }
            }
        }

        // Test split, two views (none without a test split).
        let uniform = [Double](repeating: 1.0 / Double(k), count: k)
        let balancedWeights = data.test.count > 0 ? ConfusionMatrix.deploymentWeights(truth: data.test.labels, targetShares: uniform) : []
        func views(_ pred: [Int]) -> (ClassificationMetrics?, ClassificationMetrics?) {
            guard data.test.count > 0 else { return (nil, nil) }
            return (ClassificationMetrics(truth: data.test.labels, predicted: pred, classCount: k),
                    ClassificationMetrics(truth: data.test.labels, predicted: pred, classCount: k,
                                          weights: balancedWeights.contains { !$0.isFinite } ? nil : balancedWeights))
        }
        var results: [TrainingReport.ModelResult] = []
        var scores: [[[Float]]] = []
        for t in trained {
            let s = data.test.count > 0 ? try t.net.scores(inputs: testIn, count: data.test.count) : []
            scores.append(s)
            let (nat, bal) = views(s.map(Fusion.argmax))
            results.append(.init(name: t.name, natural: nat, balanced: bal, history: t.result?.history ?? [],
                                 keptIteration: t.result?.keptIteration, bestIteration: t.result?.bestIteration,
                                 stageRevert: t.result?.stageRevert))
        }
        if let e = companion {
            let (nat, bal) = views(e.test.map(Fusion.argmax))
            results.append(.init(name: CompanionSpec.role, natural: nat, balanced: bal, history: e.result.history,
                                 keptIteration: e.result.keptIteration, bestIteration: e.result.bestIteration,
                                 stageRevert: e.result.stageRevert))
        }
        if let fusion {
            for (name, f) in [("fused", fusion)] + alternatives.sorted(by: { $0.key < $1.key }) {
                let (nat, bal) = views(f.fuse(scores0: scores[0], scores1: scores[1], scoresE: companion?.test))
                results.append(.init(name: name, natural: nat, balanced: bal, history: [], keptIteration: nil, bestIteration: nil))
            }
        }

        // Bundle: model files first (each atomic, content-addressed), bundle.json last.
        try FileManager.default.createDirectory(atPath: o.out, withIntermediateDirectories: true)
        try manifest.write(to: o.out)
        let created = ISO8601DateFormatter().string(from: Date())
        let provenance = ["archive": archive.root, "images": String(archive.items.count), "seed": String(cfg.seed),
                          "command": o.command, "created": created, "splitBy": o.splitBy.rawValue, "split": o.split.description,
                          "host": ProcessInfo.processInfo.hostName]
        // Each model file: written under a temporary name, then renamed to its content address (`M0-1a2b3c4d.csm`).
        // Model files carry no timestamp or host, so the same training gives the same bytes (and name).
        func place(_ net: any TrainableNetwork, role: String) throws -> String {
            let tmp = o.out + "/.\(role)-new.csm"
            let meta = ["role": role, "archive": archive.root, "images": String(archive.items.count),
                        "seed": String(cfg.seed), "sampler": o.configuration.sampler.rawValue, "splitBy": o.splitBy.rawValue]
            try net.save(to: tmp, classes: archive.classes, metadata: meta)
            let name = "\(role)-\(try Self.shortHash(tmp)).csm"
            guard rename(tmp, o.out + "/" + name) == 0 else {
                throw LearningError(.io, "cannot rename '\(tmp)' into the bundle (errno \(errno))")
            }
            return name
        }
        var files: [String: String] = [:]
        for t in trained { files[t.name] = try place(t.net, role: t.name) }
        let companionSpec = try companion.map { e in
            CompanionSpec(model: try place(e.network, role: CompanionSpec.role), geometry: e.geometry)
        }
        cfg.sampler = o.configuration.sampler
        // What serving frames and normalises with: the training split's normalisation for from-scratch networks,
        // the backbone's own for transfer networks (their bundle `normalization` is the identity on features).
        let geometry: InputGeometry
        if o.architecture == .effnetLite0 {
            let b = try ModelFile.read(path: try networks.backbonePath(o))
            geometry = spec.geometry(mean: b.normalization.mean, std: b.normalization.std)
        } else {
            geometry = spec.geometry(mean: data.normalization.mean, std: data.normalization.std)
        }
        var bundle = ModelBundle(
            classes: archive.classes, models: files, primary: fusion == nil ? "M0" : "fused", fusion: fusion, alternatives: alternatives,
            architecture: trained[0].net.architecture, inputShape: [spec.channels, spec.height, spec.width],
            normalization: data.normalization, trainCounts: trainStats.counts, archiveCounts: archive.classCounts,
            ratios: ratios, sampler: cfg.sampler, configuration: cfg,
            testMetrics: Dictionary(uniqueKeysWithValues: results.compactMap { r in r.natural.map { (r.name, $0) } }), provenance: provenance)
        bundle.inputGeometry = geometry
        bundle.companion = companionSpec
        var refScores = try Dictionary(uniqueKeysWithValues: trained.map { ($0.name, try $0.net.scores(inputs: refIn, count: data.reference.count)) })
        var testScores = Dictionary(uniqueKeysWithValues: zip(trained.map(\.name), scores))
        if let e = companion {
            refScores[CompanionSpec.role] = e.reference
            testScores[CompanionSpec.role] = e.test
        }
        let calibration = Self.calibrate(&bundle, reference: (refScores, data.reference.labels),
                                         test: (testScores, data.test.labels, balancedWeights), log: log)
        try bundle.write(to: o.out)
        var report = TrainingReport(
            command: o.command, created: created, classes: archive.classes,
            counts: ["archive": archive.classCounts, "train": trainStats.counts,
                     "reference": ClassStatistics(labels: data.reference.labels, classCount: k).counts,
                     "test": ClassStatistics(labels: data.test.labels, classCount: k).counts],
            split: o.split, ratios: ratios, configuration: cfg, fusionThreshold: fusion?.rule == .adjusted ? nil : fusion?.threshold, models: results)
        report.calibration = calibration
        try report.write(to: o.out)
        return (bundle, report)
    }

    /// First 8 hex digits of the file's SHA-256 (content address for model file names).
    static func shortHash(_ path: String) throws -> String {
        guard let d = FileManager.default.contents(atPath: path) else { throw LearningError(.io, "cannot read back '\(path)'") }
        var h = SHA256()
        h.update(Array(d))
        return h.finalize().prefix(4).map { String(format: "%02x", $0) }.joined()
    }
}

import CamsiftCore
#if canImport(Glibc)
import Glibc
#endif
