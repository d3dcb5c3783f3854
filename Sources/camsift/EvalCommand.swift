#if canImport(Glibc)
import CamsiftCore
import Glibc
#endif
import Foundation
import Learning

/// `camsift eval`: scores a bundle on a labeled archive and prints accuracy, macro F1, weighted F1 and
/// per-class precision/recall/F1 for each of its models (M0, M1, fused), plain and, with `--weight-by`,
/// in the deployed view.
enum EvalCommand: CamsiftCommand {
    static let name = "eval"
    static let abstract = "evaluate a model bundle on a labeled archive"
    static let options: [OptionSpec] = [
        .value("archive", "DIR", "labeled archive to score (one directory of images per class)", required: true),
        .value("model", "BUNDLE", "model bundle directory written by `camsift train`", required: true),
        .value("weight-by", "ARCHIVE", "also print the deployed view: each image weighted by its class's share in "
               + "ARCHIVE (e.g. the training archive) over its share in the evaluated set"),
        .value("split", "train|reference|test", "score only this part of the archive's seeded split (the split "
               + "`camsift train` makes with the same --seed and --split-by)", default: "every image"),
        .value("seed", "S", "seed of --split", default: "\(defaults.seed)"),
        .value("split-by", "image|camera", "how --split groups images", default: defaults.splitBy.rawValue),
        .value("threads", "T", "threads for the models", default: "all cores"),
        .flag("json", "print the results as JSON"),
        .value("feature-cache", "DIR", "keep the companion member's backbone features of the scored images in DIR (the "
               + "directory given to `camsift train --feature-cache`) and read them from there next time"),
        .value("dump-scores", "FILE.json", "also write every model's class probabilities and the labels to this file "
               + "(for analysing fusion rules offline)"),
    ]

    private static let defaults = EvaluationSession.Options(archive: "", model: "")

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard let archive = a.value("archive") else { throw UsageError("--archive DIR is required") }
        guard let model = a.value("model") else { throw UsageError("--model BUNDLE is required") }
        var o = EvaluationSession.Options(archive: archive, model: model)
        o.weightBy = a.value("weight-by")
        o.split = a.value("split")
        o.dumpScores = a.value("dump-scores")
        o.featureCache = a.value("feature-cache")
        if let s = try a.int("seed") { o.seed = UInt64(bitPattern: Int64(s)) }
        if let s = a.value("split-by") {
            guard let g = DatasetSplit.Grouping(rawValue: s) else { throw UsageError("--split-by '\(s)': use image or camera") }
            o.splitBy = g
        }
        if let t = try a.int("threads") { LearningThreads.set(max(1, t)) }
        let session = EvaluationSession(options: o)
        let r = try await DedicatedThread.run("camsift-eval", stackSize: 16 << 20) { try session.run() }
        if a.flag("json") {
            Console.out(String(decoding: try JSONWriter.encode(r, pretty: true), as: UTF8.self) + "\n")
            return ExitStatus.ok
        }
        Console.out(render(r))
        return ExitStatus.ok
    }

    static func render(_ r: EvaluationSession.Result) -> String {
        var s = "\(r.images) images, \(r.classes.count) classes; primary prediction: \(r.primary)\n"
        let views: [(String, [String: ClassificationMetrics])] = [("plain", r.plain)] + (r.deployed.map { [("deployed", $0)] } ?? [])
        for name in r.order {
            for (view, table) in views {
                guard let m = table[name] else { continue }
                s += String(format: "\n%@ (%@): accuracy %.4f  macro F1 %.4f  weighted F1 %.4f\n",
                            name, view, m.accuracy, m.macroF1, m.weightedF1)
                s += "  class".padding(toLength: 24, withPad: " ", startingAt: 0) + " precision  recall      F1   support\n"
                for (c, cls) in r.classes.enumerated() {
                    s += ("  " + cls).padding(toLength: 24, withPad: " ", startingAt: 0)
                        + String(format: " %9.4f %7.4f %7.4f %9.1f\n", m.precision[c], m.recall[c], m.f1[c], m.support[c])
                }
            }
        }
        if let c = r.calibration {
            s += "\ncalibration of the primary prediction (\(r.primary)), as the daemon logs it:\n"
            for line in c.lines { s += "  " + line + "\n" }
        }
        return s
    }
}
