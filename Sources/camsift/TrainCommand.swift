#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Learning
import Media
import NN
import Serving

/// `camsift train`: trains a model bundle from a labeled archive (Learning.TrainingSession) on a dedicated
/// thread, with a progress line per iteration.
enum TrainCommand: CamsiftCommand {
    static let name = "train"
    static let abstract = "train a model bundle from a labeled archive"
    static let options: [OptionSpec] = {
        let r = TrainingConfiguration.recommended
        let o = TrainingSession.Options(archive: "", out: "")
        let dynamic = TrainingConfiguration.published(.dynamic)
        func n(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
        func names<T: RawRepresentable<String>>(_ cases: [T]) -> String { cases.map(\.rawValue).joined(separator: "|") }
        return [
            .value("archive", "DIR", "labeled archive: ARCHIVE/<label>/**/*.jpg (or ARCHIVE/labels.csv)", required: true),
            .value("out", "MODELDIR", "bundle directory to write (bundle.json, model files, report.md, report.json)",
                   required: true),
            .value("arch", names(Architecture.allCases), "network: small (SmallCNN from scratch, 28–64 px), effnet-lite0 "
                   + "(transfer learning on the ImageNet EfficientNet-Lite0, see --backbone), linear (smoke runs) or lowlevel "
                   + "(a binary concept detector on low-level features, with --concept; docs/lowlevel.md)",
                   default: o.architecture.rawValue),
            .value("sampler", names(SamplerKind.allCases), "training method: fused (M0 + M1 + the adjusted fusion rule) "
                   + "or one of the published regimes and baselines (docs/learning.md)", default: r.sampler.rawValue),
            .value("iterations", "N", "training budget, in passes of |X_train| draws (≥ 1)", default: "\(r.iterations)"),
            .value("seed", "S", "seed of the split, draws, augmentation and initial weights", default: "\(r.seed)"),
            .value("patience", "P", "stop when reference macro F1 has not improved for P iterations (≥ 1)",
                   default: "\(dynamic.patience) with --sampler dynamic; the others spend the whole budget"),
            .value("keep", "best|last", "the iteration whose parameters a model keeps: best reference macro F1, or the last",
                   default: "\(dynamic.keep.rawValue) with --sampler dynamic, else \(r.keep.rawValue)"),
            .value("floor", "F", "Algorithm 1's floor, a fraction of N* (0 ≤ F < 1)", default: n(r.floorFraction)),
            .value("mix", "A", "tempering α·Eq.2 + (1 − α)·N* (0…1; 1 = as published)",
                   default: "\(n(r.mix)) for fused, \(n(dynamic.mix)) for the other samplers"),
            .value("threads", "T", "training threads (≥ 1)", default: "all cores"),
            .value("batch", "B", "batch size (≥ 1)", default: "\(r.batchSize)"),
            .value("lr", "LR", "base learning rate (> 0)",
                   default: "\(r.learningRate), \(TrainingConfiguration.transferLearningRate) with --arch effnet-lite0"),
            .value("schedule", names(TrainingConfiguration.Schedule.allCases),
                   "learning-rate schedule: warm-up then cosine to 0 per step, cosine per iteration to 1 % of --lr, or constant",
                   default: r.schedule.rawValue),
            .value("optimizer", "SPEC", "SGD settings as key=number pairs (keys: momentum, nesterov, weight-decay, "
                   + "decoupled, warmup, decay-all; omitted keys keep the default)", default: optimizerSpec(r.optimizer ?? .standard)),
            .value("split", "T/R/E", "train/reference/test percentages of each class (sum 100; train and reference > 0; "
                   + "test 0 when the test set is external, e.g. 90/10/0: no test metrics then); the bundle's split.json "
                   + "lists the images of each split", default: o.split.description),
            .value("split-by", "image|camera", "how the train/reference/test split groups images", default: o.splitBy.rawValue),
            .value("input-size", "PX", "input side for small and linear", default: "from the first image, clamped to 28…64"),
            .value("channels", "1|3", "input channels", default: "1 when the first image is gray, else 3"),
            .value("fit", names(FitMode.allCases), "how images are framed into the square input (recorded in the bundle)",
                   default: o.fit.rawValue),
            .value("crop-fraction", "F", "keep the central F of each image before framing, 0 < F ≤ 1",
                   default: "\(n(o.cropFraction)): the whole frame"),
            .value("augment", "SPEC", "a preset (" + Augmentation.presets.map(\.name).joined(separator: ", ")
                   + ") and/or ranges as key=number pairs (keys: shear, flip, rotation, shift, width-shift, height-shift, "
                   + "brightness, pixel, zero-pad, erase; omitted keys keep the preset's, else the default's), e.g. method,shift=0.1",
                   default: augmentationName(r.augmentation)),
            .flag("no-augment", "no augmentation at all (also none for the rare classes)"),
            .value("rare-augment", "SPEC", "augmentation for the draws of classes an iteration repeats heavily, as --augment",
                   default: "none: every draw gets --augment"),
            .value("m1-augment", "SPEC", "augmentation for M1's draws (two-model samplers), as --augment over --augment's",
                   default: r.m1Augmentation.map(augmentationName) ?? "--augment"),
            .value("mixup", "α", "mixup for every model: each batch becomes λ·x + (1 − λ)·x' of two draws, λ ~ Beta(α, α), "
                   + "with the same mix of their labels (0: off)", default: r.mixup.map(n) ?? "0"),
            .value("m1-mixup", "α", "mixup for M1 only (two-model samplers), over --mixup (0: off)",
                   default: r.m1Mixup.map(n) ?? "--mixup"),
            .value("rare-repeat", "R", "repetition factor (draws per image in a pass) from which --rare-augment applies (≥ 1)",
                   default: "20"),
            .value("defer-fraction", "F", "--sampler deferred: fraction of the iterations before balancing starts",
                   default: "2/3"),
            .value("bootstrap-ratio", "R", "--sampler bootstrap: negatives per positive in a batch",
                   default: n(r.bootstrapRatio)),
            .value("reuse-m0", "BUNDLE", "take M0 from this bundle (same archive and seed) instead of training it"),
            .value("average", "D", "keep the moving average of the weights over the steps, decay D per step (0: the last "
                   + "step's weights)", default: r.averageDecay.map { "\($0)" } ?? "0"),
            .value("init", names(SmallCNN.Initialization.allCases), "initial weights of the small CNN: Kaiming-uniform "
                   + "for ReLU, or PyTorch's nn.Conv2d/nn.Linear defaults", default: (r.initialization ?? .he).rawValue),
            .value("m1-start", names(TrainingConfiguration.M1Start.allCases), "where M1's parameters start: fresh, or M0's",
                   default: r.m1Start?.rawValue ?? "scratch"),
            .value("m1-loss", names(TrainingConfiguration.M1Loss.allCases), "how M1 learns the balanced view: resampled "
                   + "draws, or natural draws with log π added to the logits in the loss",
                   default: r.m1Loss?.rawValue ?? "resampled"),
            .value("m1-train", names(TrainingConfiguration.M1Trains.allCases), "what M1 trains when it starts from M0: every "
                   + "layer, the dense head, or the last linear classifier (on M0's frozen convolutions; Kang et al. 2020 cRT)",
                   default: r.m1Trains?.rawValue ?? "all"),
            .value("m1-share", "F", "M1's budget as a share of --iterations when it starts from M0 (0 < F ≤ 1)",
                   default: r.m1Share.map { String(format: "%.2f: %d of %d passes", $0, r.m1Iterations(fromM0: true), r.iterations) } ?? "1"),
            .value("fusion", names(Fusion.Rule.allCases), "rule of the bundle's primary prediction",
                   default: r.fusionRule.rawValue),
            .value("prior-weight", "λ|ref", "λ of the adjusted rule, 0…1, or ref to choose it on the reference split",
                   default: (r.priorWeight.map(n) ?? "ref") + (r.companion?.priorWeight.map { ", \(n($0)) with the companion" } ?? "")),
            .value("companion", "effnet-lite0|none", "two-model samplers with a from-scratch network: also train a head on "
                   + "frozen ImageNet EfficientNet-Lite0 features (the companion member E) and pool it into M1's evidence",
                   default: "effnet-lite0 when the backbone is found (--backbone, $CAMSIFT_EFFNET, \(ClassifyCommand.localModelPath))"),
            .value("companion-weight", "w", "w_E of the adjusted rule: the companion's share of M1's evidence, 0…1",
                   default: n(r.companion?.weight ?? 0)),
            .value("m0-weight", "w", "w of the adjusted rule: M0's share of the balanced-view evidence, 0…1",
                   default: n(r.m0Weight ?? 0)),
            .value("calibrate", names(TrainingConfiguration.CalibrationView.allCases), "the view the score temperature is fitted "
                   + "for on the reference split: natural (every image counts the same) or balanced (every class does)",
                   default: (r.calibrationView ?? .natural).rawValue),
            .value("backbone", "FILE.csm", "EfficientNet-Lite0 model file for --arch effnet-lite0", default: "$CAMSIFT_EFFNET"),
            .value("feature-cache", "DIR", "keep level-1 EfficientNet-Lite0 features (--arch effnet-lite0, the companion) "
                   + "in DIR between trainings: a retraining computes only new images", default: "none"),
            .value("feature-draws", "K", "--arch effnet-lite0: cached feature draws per training image, 1 clean + the "
                   + "rest augmented (≥ 1)", default: "\(o.featureDraws)"),
            .value("companion-draws", "K", "the companion member's cached feature draws per training image, 1 clean + the "
                   + "rest augmented (≥ 1)", default: "\(o.companionFeatureDraws)"),
            .value("fine-tune-blocks", "K", "--arch effnet-lite0: fine-tune the top K blocks (level 2), 0 = the "
                   + "classifier only (level 1), up to 16",
                   default: "2 when the trunk cache fits in \(o.levelTwoCacheLimit >> 30) GiB, else 0"),
            .value("level1-fraction", "F", "level 2: fraction of each model's iterations that trains only the "
                   + "classifier first (0…1)", default: n(o.levelOneFraction)),
            .value("fine-tune-lr-scale", "S", "level 2: learning-rate multiplier once the blocks train (> 0)",
                   default: o.fineTuneLRScale == o.fineTuneLRScale.rounded() ? "\(Int(o.fineTuneLRScale))" : "\(o.fineTuneLRScale)"),
            .value("concept", "NAME", "--arch lowlevel: the concept; positives ARCHIVE/NAME/, negatives every other class "
                   + "(Table I bootstrapped batches; --iterations is Table I's I)", default: "none"),
            .flag("cascade", "after the main models, train the bundle's cheap stage (low-level features + the Table III "
                  + "network over the bundle's classes) and fit its threshold on the reference split (docs/lowlevel.md)"),
            .value("cascade-agreement", "A", "--cascade: agreement with the main model the threshold is chosen for (0…1)",
                   default: "0.98"),
            .value("cascade-confidence", "L", "--cascade: one-sided confidence level of the agreement's lower bound "
                   + "(0.5 = the raw agreement)", default: "0.95"),
            .value("cascade-side", "PX", "--cascade/--arch lowlevel: side of the downscale the features are computed on",
                   default: "\(LowLevelClassifier.defaultSide)"),
            .value("cascade-epochs", "E", "--cascade: passes over the training split",
                   default: "enough for \(CascadeTraining.Options.minimumSteps) steps of 32, at least 40"),
            .flag("quiet", "no progress bars or log lines; only the final metrics"),
            .flag("clips", "train a window model instead (issue 18): --archive holds ARCHIVE/<label>/<camera>/<clip>/*.jpg, "
                  + "--out is the model file to write (MODELS/window.csm for the daemon); uses --backbone, --seed, --lr, "
                  + "--threads, --epochs, --window, --class-weighting"),
            .value("window", "A", "--clips: frames per window α (the paper's sequence size)", default: "40"),
            .value("epochs", "E", "--clips: passes over the oversampled training windows (≥ 1)", default: "40"),
            .flag("class-weighting", "--clips: also weight the loss by inverse class frequency"),
            .flag("tags", "train a tags model instead (issue 19): --archive holds labels.csv rows path,tag1;tag2; --out is "
                  + "the model file to write (MODELS/tags.csm for the daemon); uses --backbone, --seed, --threads, --cameras"),
            .value("cameras", "DIR", "--tags: the registry, for the context modality of archived frames", default: "none"),
            .value("windows", "FILE.csv", "--clips: cut the clips from the frame archive --archive (unlabeled/<camera>/…) by "
                   + "time ranges, rows camera,start,end,label (RFC 3339 UTC)", default: "clip folders"),
        ]
    }()

    /// `shear=0.2,flip=1,rotation=10,shift=0.2,brightness=0.2`: the `--augment` spelling of `g`.
    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard let archive = a.value("archive") else { throw UsageError("--archive DIR is required") }
        guard let out = a.value("out") else { throw UsageError("--out MODELDIR is required") }
        if a.flag("clips") { return try await runClips(a, archive: archive, out: out) }
        if a.flag("tags") { return try await runTags(a, archive: archive, out: out) }
        if a.value("arch") == Architecture.lowlevel.rawValue { return try await runLowLevel(a, archive: archive, out: out, args: args) }
        var o = TrainingSession.Options(archive: archive, out: out)
        o.command = "camsift train " + args.joined(separator: " ")
        if let s = a.value("arch") {
            guard let arch = Architecture(rawValue: s) else { throw UsageError("--arch '\(s)': use small, effnet-lite0, linear or lowlevel") }
            o.architecture = arch
        }
        var c = try configuration(from: a)
        if a.value("lr") == nil { c.learningRate = TrainingConfiguration.defaultLearningRate(for: o.architecture) }
        o.configuration = c
        if let s = a.value("split") {
            do { o.split = try SplitShares(parsing: s) } catch let e as LearningError { throw UsageError(e.message) }
        }
        if let s = a.value("split-by") {
            guard let g = DatasetSplit.Grouping(rawValue: s) else { throw UsageError("--split-by '\(s)': use image or camera") }
            o.splitBy = g
        }
        o.inputSize = try a.int("input-size") ?? 0
        o.channels = try a.int("channels") ?? 0
        if let s = a.value("fit") {
            guard let f = FitMode(rawValue: s) else { throw UsageError("--fit '\(s)': use crop or letterbox") }
            o.fit = f
        }
        if let s = a.value("crop-fraction") {
            guard let f = Double(s), f > 0, f <= 1 else {
                throw UsageError("--crop-fraction must be a number in (0, 1] (1 keeps the whole frame), got '\(s)'")
            }
            o.cropFraction = f
        }
        o.reuseM0 = a.value("reuse-m0")
        if let k = try a.int("feature-draws") { guard k >= 1 else { throw UsageError("--feature-draws must be ≥ 1") }; o.featureDraws = k }
        if let k = try a.int("companion-draws") {
            guard k >= 1 else { throw UsageError("--companion-draws must be ≥ 1") }
            o.companionFeatureDraws = k
        }
        if let k = try a.int("fine-tune-blocks") {
            guard (0...16).contains(k) else { throw UsageError("--fine-tune-blocks must be 0 (level 1 only) … 16 (default 2 when the cache fits)") }
            guard k == 0 || o.architecture == .effnetLite0 else { throw UsageError("--fine-tune-blocks needs --arch effnet-lite0") }
            o.fineTuneBlocks = k
        }
        if let s = a.value("level1-fraction") {
            guard let f = Double(s), (0...1).contains(f) else { throw UsageError("--level1-fraction must be a number in 0…1, got '\(s)'") }
            o.levelOneFraction = f
        }
        if let s = a.value("fine-tune-lr-scale") {
            guard let f = Float(s), f > 0 else { throw UsageError("--fine-tune-lr-scale must be a number > 0, got '\(s)'") }
            o.fineTuneLRScale = f
        }
        o.backbone = a.value("backbone") ?? ProcessInfo.processInfo.environment["CAMSIFT_EFFNET"]
        o.featureCache = a.value("feature-cache")
        if o.backbone == nil && o.architecture != .effnetLite0 {
            // The companion member's backbone: the one `make weights` builds, else the daemon's ImageNet model.
            o.backbone = [ClassifyCommand.localModelPath, ClassifyCommand.systemModelPath].first { FileManager.default.fileExists(atPath: $0) }
        }
        if let t = try a.int("threads") {
            guard t >= 1 else { throw UsageError("--threads must be ≥ 1") }
            LearningThreads.set(t)
        }
        let quiet = a.flag("quiet")
        let tty = Console.stdoutIsTTY
        var session = TrainingSession(options: o, networks: NetworkFactory())
        session.log = { if !quiet { Console.out($0 + "\n") } }
        let bars = ProgressBars(tty: tty)
        if !quiet { session.progress = { name, rec, total in bars.show(name, rec, total) } }
        let configured = session
        let result = try await DedicatedThread.run("camsift-train", stackSize: 16 << 20) { try configured.run() }
        if !quiet {
            Console.out("wrote \(out)/\(ModelBundle.fileName) (\((result.bundle.models.values.sorted() + (result.bundle.companion.map { [$0.model] } ?? [])).joined(separator: ", "))), report.md, report.json\n")
        }
        if !result.report.hasTestMetrics {
            Console.out("no test split (--split \(o.split)): no test metrics; score the bundle on an external test set "
                        + "with `camsift eval --archive TEST --model \(out)`\n")
        }
        for m in result.report.models {
            guard let n = m.natural else { continue }
            Console.out(String(format: "%@: accuracy %.4f  macro F1 %.4f  weighted F1 %.4f (test split)\n",
                               m.name, n.accuracy, n.macroF1, n.weightedF1))
        }
        for line in result.report.calibration?.lines ?? [] { Console.out("calibration " + line + "\n") }
        if a.flag("cascade") { try await runCascade(a, bundle: out, quiet: quiet) }
        return ExitStatus.ok
    }

    static func configuration(from a: CommandLineArguments) throws -> TrainingConfiguration {
        var c = TrainingConfiguration.recommended
        if let s = a.value("sampler") {
            guard let k = SamplerKind(rawValue: s) else {
                throw UsageError("--sampler '\(s)': use " + SamplerKind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            c = k == .fused ? .recommended : .published(k)
        }
        if let n = try a.int("iterations") { guard n >= 1 else { throw UsageError("--iterations must be ≥ 1") }; c.iterations = n }
        if let s = try a.int("seed") { c.seed = UInt64(bitPattern: Int64(s)) }
        if let p = try a.int("patience") { guard p >= 1 else { throw UsageError("--patience must be ≥ 1") }; c.patience = p }
        if let k = a.value("keep") {
            guard let v = TrainingConfiguration.Keep(rawValue: k) else { throw UsageError("--keep '\(k)': use best or last") }
            c.keep = v
        }
        if let f = try a.double("floor") { guard (0..<1).contains(f) else { throw UsageError("--floor must be in [0, 1)") }; c.floorFraction = f }
        if let m = try a.double("mix") { guard (0...1).contains(m) else { throw UsageError("--mix must be in [0, 1]") }; c.mix = m }
        if let b = try a.int("batch") { guard b >= 1 else { throw UsageError("--batch must be ≥ 1") }; c.batchSize = b }
        if let lr = try a.double("lr") { guard lr > 0 else { throw UsageError("--lr must be > 0") }; c.learningRate = Float(lr) }
        if let s = a.value("schedule") {
            guard let v = TrainingConfiguration.Schedule(rawValue: s) else {
                throw UsageError("--schedule '\(s)': use " + TrainingConfiguration.Schedule.allCases.map(\.rawValue).joined(separator: ", "))
            }
            c.schedule = v
        }
        if let s = a.value("optimizer") { c.optimizer = try optimizer(s, base: c.optimizer ?? .standard) }
        if let f = try a.double("defer-fraction") { c.deferFraction = f }
        if let r = try a.double("bootstrap-ratio") { c.bootstrapRatio = r }
        if let s = a.value("m1-loss") {
            guard let v = TrainingConfiguration.M1Loss(rawValue: s) else { throw UsageError("--m1-loss '\(s)': use resampled or logit-adjusted") }
            c.m1Loss = v
        }
        if let d = try a.double("average") {
            guard d >= 0 && d < 1 else { throw UsageError("--average must be in [0, 1) (0: off), got \(d)") }
            c.averageDecay = d > 0 ? d : nil
        }
        if let s = a.value("init") {
            guard let v = SmallCNN.Initialization(rawValue: s) else {
                throw UsageError("--init '\(s)': use " + SmallCNN.Initialization.allCases.map(\.rawValue).joined(separator: ", "))
            }
            c.initialization = v
        }
        if let s = a.value("m1-train") {
            guard let v = TrainingConfiguration.M1Trains(rawValue: s) else { throw UsageError("--m1-train '\(s)': use all, head or classifier") }
            c.m1Trains = v
        }
        if let f = try a.double("m1-share") {
            guard f > 0 && f <= 1 else { throw UsageError("--m1-share must be in (0, 1] (1: M1 spends the whole --iterations budget), got \(f)") }
            c.m1Share = f
        }
        if let s = a.value("m1-start") {
            guard let v = TrainingConfiguration.M1Start(rawValue: s) else { throw UsageError("--m1-start '\(s)': use scratch or m0") }
            c.m1Start = v
        }
        if let s = a.value("fusion") {
            guard let v = Fusion.Rule(rawValue: s) else {
                throw UsageError("--fusion '\(s)': use " + Fusion.Rule.allCases.map(\.rawValue).joined(separator: ", "))
            }
            c.fusionRule = v
        }
        if a.value("prior-weight") == "ref" {
            c.priorWeight = nil  // λ chosen on the reference split (Fusion.choosePriorWeight)
        } else if let w = try a.double("prior-weight") {
            guard (0...1).contains(w) else { throw UsageError("--prior-weight must be in [0, 1] or 'ref' (chosen on the reference split), got \(w)") }
            c.priorWeight = w
            c.companion?.priorWeight = nil  // an explicit λ holds with the companion too
        }
        switch a.value("companion") {
        case nil, "effnet-lite0": break
        case "none": c.companion = nil
        case let s?: throw UsageError("--companion '\(s)': use effnet-lite0 or none")
        }
        if let w = try a.double("companion-weight") {
            guard (0...1).contains(w) else { throw UsageError("--companion-weight must be in [0, 1], got \(w)") }
            guard c.companion != nil else { throw UsageError("--companion-weight needs the companion member (drop --companion none)") }
            c.companion?.weight = w
        }
        if let s = a.value("calibrate") {
            guard let v = TrainingConfiguration.CalibrationView(rawValue: s) else {
                throw UsageError("--calibrate '\(s)': use " + TrainingConfiguration.CalibrationView.allCases.map(\.rawValue).joined(separator: " or "))
            }
            c.calibrationView = v
        }
        if let w = try a.double("m0-weight") { guard (0...1).contains(w) else { throw UsageError("--m0-weight must be in [0, 1]") }; c.m0Weight = w }
        // A configuration with a milder augmentation for heavily repeated classes keeps it at half of `--augment`'s
        // ranges unless `--rare-augment` says otherwise (the default has none); `--no-augment` turns both off.
        let rareScale: Float? = c.rareAugmentation == nil ? nil : 0.5
        if a.flag("no-augment") { c.augmentation = .none; c.rareAugmentation = nil; c.m1Augmentation = nil }
        if let s = a.value("augment") {
            c.augmentation = try augmentation(s, base: c.augmentation)
            if let rareScale { c.rareAugmentation = c.augmentation.scaled(rareScale) }
            // M1 follows a new --augment, keeping only its own erasing (unless --m1-augment says otherwise).
            if let m1 = c.m1Augmentation { var g = c.augmentation; g.erase = m1.erase; c.m1Augmentation = g }
        }
        if let s = a.value("m1-augment") { c.m1Augmentation = try augmentation(s, base: c.augmentation) }
        if let s = a.value("rare-augment") { c.rareAugmentation = try augmentation(s, base: c.rareAugmentation ?? c.augmentation) }
        if let m = try a.double("mixup") {
            guard m >= 0, m.isFinite else { throw UsageError("--mixup must be ≥ 0 (0: off), got \(m)") }
            c.mixup = m > 0 ? m : nil
        }
        if let m = try a.double("m1-mixup") {
            guard m >= 0, m.isFinite else { throw UsageError("--m1-mixup must be ≥ 0 (0: off), got \(m)") }
            c.m1Mixup = m
        }
        if let r = try a.int("rare-repeat") { guard r >= 1 else { throw UsageError("--rare-repeat must be ≥ 1") }; c.rareRepeat = r }
        return c
    }
}
