import CamsiftCore
import Foundation
import Learning
import Serving

extension TrainCommand {
    /// `camsift train --arch lowlevel --concept NAME`: one binary concept detector (`ConceptDetectorTraining`),
    /// written as a bundle to `--out`; prints recall, precision, F1 and average precision on the test split.
    static func runLowLevel(_ a: CommandLineArguments, archive: String, out: String, args: [String]) async throws -> Int32 {
        guard let concept = a.value("concept") else {
            throw UsageError("--arch lowlevel trains one concept detector: pass --concept NAME (positives ARCHIVE/NAME/)")
        }
        var o = ConceptDetectorTraining.Options(archive: archive, out: out, concept: concept)
        o.command = "camsift train " + args.joined(separator: " ")
        if let n = try a.int("iterations") { guard n >= 1 else { throw UsageError("--iterations must be ≥ 1") }; o.iterations = n }
        if let s = try a.int("seed") { o.seed = UInt64(bitPattern: Int64(s)) }
        if let lr = try a.double("lr") { guard lr > 0 else { throw UsageError("--lr must be > 0") }; o.learningRate = Float(lr) }
        o.side = try side(a)
        if let s = a.value("split") {
            do { o.split = try SplitShares(parsing: s) } catch let e as LearningError { throw UsageError(e.message) }
        }
        let quiet = a.flag("quiet")
        let options = o
        let r: ConceptDetectorTraining.Report
        do {
            r = try await DedicatedThread.run("camsift-train", stackSize: 16 << 20) {
                try ConceptDetectorTraining.run(options) { if !quiet { Console.out($0 + "\n") } }
            }
        } catch let e as LearningError {
            Console.error("camsift train --arch lowlevel: \(e.message)\n")
            return ExitStatus.dataError
        }
        let t = r.counts["test"] ?? [0, 0]
        if let recall = r.recall, let precision = r.precision, let f1 = r.f1, let ap = r.averagePrecision {
            Console.out(String(format: "%@: recall %.4f  precision %.4f  F1 %.4f  AP %.4f (test split: %d positives, %d negatives)\n",
                               concept, recall, precision, f1, ap, t[0], t[1]))
        } else {
            Console.out("\(concept): no positives in the test split: no test metrics\n")
        }
        Console.out("wrote \(out)/\(ModelBundle.fileName) (\(r.model), Table I: N = \(r.batches) batches of \(r.batchSize)); "
                    + "serve it as MODELS/current or score it with `camsift eval --model \(out)`\n")
        return ExitStatus.ok
    }

    /// `--cascade`: the bundle's cheap stage and its threshold (`CascadeTraining`), after the main models.
    static func runCascade(_ a: CommandLineArguments, bundle: String, quiet: Bool) async throws {
        var o = CascadeTraining.Options(bundle: bundle)
        o.side = try side(a)
        if let s = try a.int("seed") { o.seed = UInt64(bitPattern: Int64(s)) }
        if let e = try a.int("cascade-epochs") { guard e >= 1 else { throw UsageError("--cascade-epochs must be ≥ 1") }; o.epochs = e }
        if let x = try a.double("cascade-agreement") {
            guard x > 0, x <= 1 else { throw UsageError("--cascade-agreement must be in (0, 1], got \(x)") }
            o.targetAgreement = x
        }
        if let x = try a.double("cascade-confidence") {
            guard x >= 0.5, x < 1 else { throw UsageError("--cascade-confidence must be in [0.5, 1) (0.5: the raw agreement), got \(x)") }
            o.confidenceLevel = x
        }
        if let t = try a.int("threads") { o.threads = max(1, t) }
        let options = o
        let r = try await DedicatedThread.run("camsift-cascade", stackSize: 16 << 20) {
            try CascadeTraining.run(options) { if !quiet { Console.out($0 + "\n") } }
        }
        let s = r.spec
        Console.out(String(format: "cascade: threshold %.4f (T = %.3f): agreement with the main model %.4f (≥ %.4f at %.0f %% "
                           + "confidence) on %.1f%% of %d frames (reference + test splits; target %.2f)", s.threshold,
                           r.temperature, s.referenceAgreement, s.agreementBound ?? 0, (s.confidenceLevel ?? 0) * 100,
                           s.referenceCoverage * 100, s.fittedFrames ?? 0, s.targetAgreement))
        if let acc = r.testAccuracy { Console.out(String(format: "; cheap accuracy on the test split %.4f", acc)) }
        Console.out("; wrote \(s.model) into \(bundle)/\(ModelBundle.fileName)\n")
        if let note = r.note { Console.error(note) }
    }

    private static func side(_ a: CommandLineArguments) throws -> Int {
        guard let s = try a.int("cascade-side") else { return LowLevelClassifier.defaultSide }
        guard s >= 24 else { throw UsageError("--cascade-side must be ≥ 24 (a HOG block needs 24 px), got \(s)") }
        return s
    }
}
