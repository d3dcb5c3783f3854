import CamsiftCore
import Foundation
import Learning
import Registry

extension TrainCommand {
    /// `camsift train --tags`: a tags model from `ARCHIVE/labels.csv` (`Learning.TagTraining`), written to `--out`
    /// (a file, or `DIR/tags.csm` when `--out` is a directory); prints the multi-label metrics on held-out images.
    static func runTags(_ a: CommandLineArguments, archive: String, out: String) async throws -> Int32 {
        guard let backbone = a.value("backbone") ?? ProcessInfo.processInfo.environment["CAMSIFT_EFFNET"] else {
            throw UsageError("--tags needs --backbone FILE.csm (the ImageNet EfficientNet-Lite0 the daemon serves, "
                + "weights/effnet-lite0-imagenet.csm after `make weights`) or $CAMSIFT_EFFNET")
        }
        var isDir: ObjCBool = false
        let path = FileManager.default.fileExists(atPath: out, isDirectory: &isDir) && isDir.boolValue ? out + "/tags.csm" : out
        var o = TagTraining.Options(archive: archive, out: path, backbone: backbone)
        if let s = try a.int("seed") { o.seed = UInt64(bitPattern: Int64(s)) }
        if let t = try a.int("threads") { guard t >= 1 else { throw UsageError("--threads must be ≥ 1") }; o.threads = t }
        if let dir = a.value("cameras") {
            let snapshot = RegistryLoader.load(directory: dir, previous: nil)
            for p in snapshot.errors { Console.error("camsift train --tags: registry: \(p)\n") }
            o.cameras = snapshot.cameras
        }
        let quiet = a.flag("quiet")
        let options = o
        let report: TagTraining.Report
        do {
            report = try await DedicatedThread.run("camsift-train", stackSize: 16 << 20) {
                try TagTraining.run(options) { if !quiet { Console.out($0 + "\n") } }
            }
        } catch let e as LearningError {
            Console.error("camsift train --tags: \(e.message)\n")
            return ExitStatus.dataError
        }
        if let m = report.metrics {
            Console.out(String(format: "tags: Hamming loss %.4f  micro F1 %.4f  macro F1 %.4f  MAP %.4f (%d held-out images)\n",
                               m.hammingLoss, m.microF1, m.macroF1, m.meanAveragePrecision ?? .nan, report.testImages))
        } else {
            Console.out("tags: fewer than 8 images, none held out: no metrics\n")
        }
        Console.out("wrote \(report.modelPath): tags \(report.tagNames.joined(separator: ", ")), \(report.combinations) "
                    + "combinations; the daemon serves it from MODELS/tags.csm (SIGHUP reloads)\n")
        return ExitStatus.ok
    }
}
