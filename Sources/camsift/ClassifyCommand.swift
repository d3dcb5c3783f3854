#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import NN

/// `camsift classify IMAGE...`: top-k ImageNet labels per JPEG with the EfficientNet-Lite0 backbone.
/// Each image is centre-cropped (central 87.5 % of its shorter side) and resized to 224×224 with an
/// antialiased bilinear filter, then normalised by the model file's mean/std.
enum ClassifyCommand: CamsiftCommand {
    static let name = "classify"
    static let abstract = "classify image files, print top-5"
    static let usage = "IMAGE.jpg... [--model FILE] [--top N] [--json] [--threads N] [--dump-input FILE] "
        + "[--dump-logits FILE]\n\n"
        + "  --model FILE        EfficientNet-Lite0 model file (default: $CAMSIFT_EFFNET, else\n"
        + "                      /var/lib/camsift/models/imagenet.csm, else ./weights/effnet-lite0-imagenet.csm)\n"
        + "  --top N             labels per image (default 5)\n"
        + "  --json              one JSON object per image: {\"image\":..., \"top\":[[label, score], ...]}\n"
        + "  --threads N         inference threads (default 2)\n"
        + "  --dump-input FILE   write the preprocessed batch (float32 LE, N×3×H×W) for reference checks\n"
        + "  --dump-logits FILE  write the logits (float32 LE, N×classes)"

    static func defaultModelPath() -> String {
        if let env = getenv("CAMSIFT_EFFNET").map({ String(cString: $0) }), !env.isEmpty { return env }
        let system = "/var/lib/camsift/models/imagenet.csm"
        if access(system, R_OK) == 0 { return system }
        return "weights/effnet-lite0-imagenet.csm"
    }

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try CommandLineArguments(args, valued: ["model", "top", "threads", "dump-input", "dump-logits"],
                                         booleans: ["json"])
        guard !a.positionals.isEmpty else { throw UsageError("give at least one image file") }
        let top = try a.int("top") ?? 5
        guard top >= 1 else { throw UsageError("option '--top' must be ≥ 1") }
        let threads = try a.int("threads") ?? 2
        guard threads >= 1 && threads <= 64 else { throw UsageError("option '--threads' must be 1...64") }
        let modelPath = a.value("model") ?? defaultModelPath()

        let net: EfficientNetLite0
        do {
            net = try EfficientNetLite0(modelFile: try ModelFile.read(path: modelPath), threads: threads)
        } catch {
            Console.error("camsift classify: \(error)\n")
            return ExitStatus.noInput
        }
        var frames: [DecodedFrame] = []
        for path in a.positionals {
            do {
                frames.append(try loadJPEG(path: path))
            } catch {
                Console.error("camsift classify: \(error)\n")
                return ExitStatus.dataError
            }
        }
        let per = net.imageElementCount
        var batch = [Float](repeating: 0, count: frames.count * per)
        batch.withUnsafeMutableBufferPointer { b in
            for (i, f) in frames.enumerated() {
                net.preprocess(f, into: UnsafeMutableBufferPointer(rebasing: b[i * per..<(i + 1) * per]))
            }
        }
        let logits = batch.withUnsafeBufferPointer { net.logits(batch: $0, n: frames.count) }
        if let p = a.value("dump-input") { try dump(batch, to: p) }
        if let p = a.value("dump-logits") { try dump(logits, to: p) }

        let results = TopK.labels(logits: logits, n: frames.count, classes: net.classes, k: top)
        var out = ""
        for (path, r) in zip(a.positionals, results) {
            if a.flag("json") {
                let record: [String: Any] = ["image": path, "top": r.map { [$0.label, Double($0.score)] as [Any] }]
                let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
                out += String(decoding: data, as: UTF8.self) + "\n"
            } else {
                out += "\(path)\n"
                for (label, score) in r { out += "  " + String(format: "%.4f", score) + "  \(label)\n" }
            }
        }
        Console.out(out)
        return ExitStatus.ok
    }

    /// Raw little-endian float32, for bench/peers/ort_reference.py.
    static func dump(_ values: [Float], to path: String) throws {
        let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImageError(description: "cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
