import CamsiftCore
import Foundation
import Learning

extension TrainCommand {
    /// `camsift train --clips`: a window model from labelled clips (`Learning.ClipTraining`), written to `--out`
    /// (a file, or `DIR/window.csm` when `--out` is a directory); prints the paper's metrics per model variant.
    static func runClips(_ a: CommandLineArguments, archive: String, out: String) async throws -> Int32 {
        for frameOnly in ["sampler", "arch", "iterations", "split", "fusion", "reuse-m0", "fine-tune-blocks"] where a.value(frameOnly) != nil {
            throw UsageError("--\(frameOnly) is for frame models; --clips trains a window model (see --window, --epochs)")
        }
        guard let backbone = a.value("backbone") ?? ProcessInfo.processInfo.environment["CAMSIFT_EFFNET"] else {
            throw UsageError("--clips needs --backbone FILE.csm (the ImageNet EfficientNet-Lite0 the daemon serves, "
                + "weights/effnet-lite0-imagenet.csm after `make weights`) or $CAMSIFT_EFFNET")
        }
        var isDir: ObjCBool = false
        let path = FileManager.default.fileExists(atPath: out, isDirectory: &isDir) && isDir.boolValue ? out + "/window.csm" : out
        var o = ClipTraining.Options(archive: archive, out: path, backbone: backbone)
        o.windowsCSV = a.value("windows")
        if let w = try a.int("window") { guard w >= 2 else { throw UsageError("--window must be ≥ 2 frames") }; o.window = w }
        if let e = try a.int("epochs") { guard e >= 1 else { throw UsageError("--epochs must be ≥ 1") }; o.training.epochs = e }
        if let s = try a.int("seed") { o.seed = UInt64(bitPattern: Int64(s)); o.training.seed = o.seed }
        if let lr = try a.double("lr") { guard lr > 0 else { throw UsageError("--lr must be > 0") }; o.training.learningRate = Float(lr) }
        if let b = try a.int("batch") { guard b >= 2 else { throw UsageError("--batch must be ≥ 2 with --clips (batch norm)") }; o.training.batchSize = b }
        o.training.classWeighting = a.flag("class-weighting")
        if let t = try a.int("threads") {
            guard t >= 1 else { throw UsageError("--threads must be ≥ 1") }
            o.threads = t
            LearningThreads.set(t)
        }
        let quiet = a.flag("quiet")
        let options = o
        let report: ClipTraining.Report
        do {
            report = try await DedicatedThread.run("camsift-train", stackSize: 16 << 20) {
                try ClipTraining.run(options) { if !quiet { Console.out($0 + "\n") } }
            }
        } catch let e as LearningError {
            Console.error("camsift train --clips: \(e.message)\n")
            return ExitStatus.dataError
        }
        let on = report.metricsOnTrain ? "training clips: no label has two clips to hold one out" : "\(report.testClips.count) held-out clips"
        for v in report.variants {
            Console.out(String(format: "%@: accuracy %.4f  macro F1 %.4f  weighted F1 %.4f (%@, %.0f s)\n",
                               v.name, v.metrics.accuracy, v.metrics.macroF1, v.metrics.weightedF1, on, v.seconds))
        }
        Console.out("wrote \(report.modelPath): \(report.classNames.joined(separator: ", ")), \(options.window) frames per window; "
                    + "the daemon serves it from MODELS/window.csm (SIGHUP reloads)\n")
        return ExitStatus.ok
    }
}
