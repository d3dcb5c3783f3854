#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Learning
import Media

/// `camsift train`: trains a model bundle from a labeled archive (Learning.TrainingSession) on a dedicated
/// thread, with a progress line per iteration.
enum TrainCommand: CamsiftCommand {
    static let name = "train"
    static let abstract = "train a model bundle from a labeled archive"
    static let usage = """
        --archive DIR --out MODELDIR [--arch small|effnet-lite0|linear]
                     [--sampler fused|dynamic|plain|weighted|balanced|deferred|bootstrap] [--iterations N] [--seed S]
                     [--patience P] [--keep best|last] [--floor F] [--mix A] [--threads T] [--batch B] [--lr LR]
                     [--schedule cosine|constant] [--split-by image|camera] [--input-size PX] [--channels 1|3]
                     [--augment shear=0.2,flip=1,rotation=10,shift=0.2,brightness=0.2 | --no-augment] [--rare-augment SPEC (default: --augment at half range)] [--rare-repeat R (default 20)]
                     [--defer-fraction F] [--bootstrap-ratio R] [--reuse-m0 BUNDLE] [--m1-start scratch|m0] [--m1-loss resampled|logit-adjusted] [--fusion adjusted|eq3|eq3-mean|mean] [--prior-weight λ|ref] [--m0-weight w] [--backbone FILE.csm] [--feature-draws K]
                     [--fine-tune-blocks K] [--level1-fraction F] [--fine-tune-lr-scale S] [--quiet]
        """

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try CommandLineArguments(
            args,
            valued: ["archive", "out", "arch", "sampler", "iterations", "seed", "patience", "keep", "floor", "mix", "threads",
                     "batch", "lr", "schedule", "split-by", "input-size", "channels", "augment", "rare-augment", "rare-repeat", "defer-fraction",
                     "bootstrap-ratio", "reuse-m0", "backbone", "feature-draws", "m1-start", "m1-loss", "fusion", "prior-weight", "m0-weight",
                     "fine-tune-blocks", "level1-fraction", "fine-tune-lr-scale"],
            booleans: ["no-augment", "quiet"])
        guard let archive = a.value("archive") else { throw UsageError("--archive DIR is required") }
        guard let out = a.value("out") else { throw UsageError("--out MODELDIR is required") }
        var o = TrainingSession.Options(archive: archive, out: out)
        o.command = "camsift train " + args.joined(separator: " ")
        if let s = a.value("arch") {
            guard let arch = Architecture(rawValue: s) else { throw UsageError("--arch '\(s)': use small, effnet-lite0 or linear") }
            o.architecture = arch
        }
        var c = try configuration(from: a)
        if o.architecture == .effnetLite0, a.value("lr") == nil { c.learningRate = TrainingConfiguration.transferLearningRate }
        o.configuration = c
        if let s = a.value("split-by") {
            guard let g = DatasetSplit.Grouping(rawValue: s) else { throw UsageError("--split-by '\(s)': use image or camera") }
            o.splitBy = g
        }
        o.inputSize = try a.int("input-size") ?? 0
        o.channels = try a.int("channels") ?? 0
        o.reuseM0 = a.value("reuse-m0")
        if let k = try a.int("feature-draws") { guard k >= 1 else { throw UsageError("--feature-draws must be ≥ 1") }; o.featureDraws = k }
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
        let result = try await runOnThread { try configured.run() }
        if !quiet {
            Console.out("wrote \(out)/\(ModelBundle.fileName) (\(result.bundle.models.values.sorted().joined(separator: ", "))), report.md, report.json\n")
        }
        for m in result.report.models {
            Console.out(String(format: "%@: accuracy %.4f  macro F1 %.4f  weighted F1 %.4f (test split)\n",
                               m.name, m.natural.accuracy, m.natural.macroF1, m.natural.weightedF1))
        }
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
            guard let v = TrainingConfiguration.Schedule(rawValue: s) else { throw UsageError("--schedule '\(s)': use cosine or constant") }
            c.schedule = v
        }
        if let f = try a.double("defer-fraction") { c.deferFraction = f }
        if let r = try a.double("bootstrap-ratio") { c.bootstrapRatio = r }
        if let s = a.value("m1-loss") {
            guard let v = TrainingConfiguration.M1Loss(rawValue: s) else { throw UsageError("--m1-loss '\(s)': use resampled or logit-adjusted") }
            c.m1Loss = v
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
        }
        if let w = try a.double("m0-weight") { guard (0...1).contains(w) else { throw UsageError("--m0-weight must be in [0, 1]") }; c.m0Weight = w }
        // The default's milder augmentation of heavily repeated classes follows `--augment` (half its ranges)
        // unless `--rare-augment` says otherwise; `--no-augment` turns both off.
        let rareScale: Float? = c.rareAugmentation == nil ? nil : 0.5
        if a.flag("no-augment") { c.augmentation = .none; c.rareAugmentation = nil }
        if let s = a.value("augment") {
            c.augmentation = try augmentation(s)
            if let rareScale { c.rareAugmentation = c.augmentation.scaled(rareScale) }
        }
        if let s = a.value("rare-augment") { c.rareAugmentation = try augmentation(s) }
        if let r = try a.int("rare-repeat") { guard r >= 1 else { throw UsageError("--rare-repeat must be ≥ 1") }; c.rareRepeat = r }
        return c
    }

    /// Parses `shear=0.2,flip=1,rotation=10,shift=0.2,brightness=0.2` (omitted keys keep the method's values).
    static func augmentation(_ s: String) throws -> Augmentation {
        var g = Augmentation.method
        for part in s.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, let v = Float(kv[1]) else { throw UsageError("--augment: '\(part)' is not key=number") }
            switch kv[0] {
            case "shear": g.shear = v
            case "flip": g.horizontalFlip = v != 0
            case "rotation": g.rotationDegrees = v
            case "shift": g.widthShift = v; g.heightShift = v
            case "width-shift": g.widthShift = v
            case "height-shift": g.heightShift = v
            case "brightness": g.brightness = v
            default: throw UsageError("--augment: unknown key '\(kv[0])' (shear, flip, rotation, shift, width-shift, height-shift, brightness)")
            }
        }
        return g
    }
}

/// Runs blocking work (training, inference) on its own thread, never on the cooperative pool.
func runOnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (k: CheckedContinuation<T, any Error>) in
        let t = Thread {
            do { k.resume(returning: try body()) } catch { k.resume(throwing: error) }
        }
        t.stackSize = 16 << 20
        t.start()
    }
}
