#if canImport(Glibc)
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
    static let usage = "--archive DIR --model BUNDLE [--weight-by ARCHIVE] [--split train|reference|test --seed S "
        + "[--split-by image|camera]] [--threads T] [--json] [--dump-scores FILE.json]"

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try CommandLineArguments(args, valued: ["archive", "model", "weight-by", "split", "seed", "split-by", "threads", "dump-scores"],
                                         booleans: ["json"])
        guard let archive = a.value("archive") else { throw UsageError("--archive DIR is required") }
        guard let model = a.value("model") else { throw UsageError("--model BUNDLE is required") }
        var o = EvaluationSession.Options(archive: archive, model: model)
        o.weightBy = a.value("weight-by")
        o.split = a.value("split")
        o.dumpScores = a.value("dump-scores")
        if let s = try a.int("seed") { o.seed = UInt64(bitPattern: Int64(s)) }
        if let s = a.value("split-by") {
            guard let g = DatasetSplit.Grouping(rawValue: s) else { throw UsageError("--split-by '\(s)': use image or camera") }
            o.splitBy = g
        }
        if let t = try a.int("threads") { LearningThreads.set(max(1, t)) }
        let session = EvaluationSession(options: o, networks: NetworkFactory())
        let r = try await runOnThread { try session.run() }
        if a.flag("json") {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.out(String(decoding: try enc.encode(r), as: UTF8.self) + "\n")
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
        return s
    }
}
