#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Media
import NN
import Serving

/// `camsift classify IMAGE...`: top-k labels per JPEG, with the ImageNet EfficientNet-Lite0 or a trained
/// bundle. Each image goes through the daemon's own model-input path at the model's geometry (JPEG decoder,
/// crop/letterbox with the crop fraction, resize, `ModelInput`): for the ImageNet model the central 87.5 % of
/// the shorter side at 224×224 and the model file's mean/std; for a bundle, the geometry it records.
enum ClassifyCommand: CamsiftCommand {
    static let name = "classify"
    static let abstract = "classify image files, print top-5"
    static let defaultTop = 5
    static let defaultThreads = 2
    static let arguments = "IMAGE.jpg..."
    static let argumentHelp = [(name: "IMAGE.jpg...", help: "JPEG files to classify")]
    static let options: [OptionSpec] = [
        .value("model", "FILE|DIR", "EfficientNet-Lite0 model file, or a bundle directory written by `camsift train`",
               default: "$CAMSIFT_EFFNET, else \(systemModelPath), else ./\(localModelPath)"),
        .value("top", "N", "labels per image (≥ 1)", default: "\(defaultTop)"),
        .flag("json", "one JSON object per image: {\"image\":..., \"top\":[[label, score], ...]}"),
        .value("threads", "N", "inference threads (1...64)", default: "\(defaultThreads)"),
        .value("dump-input", "FILE", "write the preprocessed batch (float32 LE, N×3×H×W) for reference checks"),
        .value("dump-logits", "FILE", "write the logits (float32 LE, N×classes); needs a model file, not a bundle"),
    ]

    static let systemModelPath = "/var/lib/camsift/models/imagenet.csm"
    static let localModelPath = "weights/effnet-lite0-imagenet.csm"

    static func defaultModelPath() -> String {
        if let env = getenv("CAMSIFT_EFFNET").map({ String(cString: $0) }), !env.isEmpty { return env }
        if access(systemModelPath, R_OK) == 0 { return systemModelPath }
        return localModelPath
    }

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard !a.positionals.isEmpty else { throw UsageError("give at least one image file") }
        let top = try a.int("top") ?? defaultTop
        guard top >= 1 else { throw UsageError("option '--top' must be ≥ 1") }
        let threads = try a.int("threads") ?? defaultThreads
        guard threads >= 1 && threads <= 64 else { throw UsageError("option '--threads' must be 1...64") }
        let modelPath = a.value("model") ?? defaultModelPath()

        let classifier: any FrameClassifier
        do {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: modelPath, isDirectory: &isDir), isDir.boolValue {
                classifier = try BundleClassifier(directory: modelPath, threads: threads, top: top)
            } else {
                classifier = try ImageNetClassifier(path: modelPath, threads: threads, top: top)
            }
        } catch {
            Console.error("camsift classify: \(error)\n")
            return ExitStatus.noInput
        }
        let g = classifier.geometry
        var frames: [DecodedFrame] = []
        var companion: [DecodedFrame] = []  // a bundle's companion member reads each image again at its geometry
        do {
            let decoder = try JPEGDecoder()
            for path in a.positionals {
                guard let data = FileManager.default.contents(atPath: path) else {
                    Console.error("camsift classify: cannot read image '\(path)': no such file or not readable\n")
                    return ExitStatus.dataError
                }
                guard data.count >= 3, data[data.startIndex] == 0xFF, data[data.startIndex + 1] == 0xD8 else {
                    Console.error("camsift classify: image '\(path)' is not a JPEG (only JPEG is supported; convert it, "
                                  + "e.g. `ffmpeg -i IN -q:v 2 OUT.jpg`)\n")
                    return ExitStatus.dataError
                }
                do {
                    frames.append(try [UInt8](data).withUnsafeBytes { try decoder.decode($0, geometry: g) })
                    if let cg = classifier.companionGeometry {
                        companion.append(try [UInt8](data).withUnsafeBytes { try decoder.decode($0, geometry: cg) })
                    }
                } catch {
                    Console.error("camsift classify: image '\(path)': \(error)\n")
                    return ExitStatus.dataError
                }
            }
        }
        if let p = a.value("dump-input") { try dump(try ModelInput.tensor(frames, geometry: g), to: p) }
        if let p = a.value("dump-logits") {
            guard let imagenet = classifier as? ImageNetClassifier else {
                throw UsageError("--dump-logits needs an EfficientNet-Lite0 model file, not a bundle")
            }
            let batch = try ModelInput.tensor(frames, geometry: g)
            try dump(batch.withUnsafeBufferPointer { imagenet.network.logits(batch: $0, n: frames.count) }, to: p)
        }
        let results = try classifier.classify(frames, companion: classifier.companionGeometry == nil ? nil : companion).map { p in p.top.map { (label: $0.label, score: $0.score) } }
        var out = ""
        for (path, r) in zip(a.positionals, results) {
            if a.flag("json") {
                var line = Array(#"{"image":"#.utf8)
                JSONWriter.appendString(path, to: &line)
                line += Array(#","top":["#.utf8)
                for (k, t) in r.enumerated() {
                    line += Array((k > 0 ? ",[" : "[").utf8)
                    JSONWriter.appendString(t.label, to: &line)
                    line.append(UInt8(ascii: ","))
                    JSONWriter.appendNumber(t.score, to: &line)
                    line.append(UInt8(ascii: "]"))
                }
                out += String(decoding: line, as: UTF8.self) + "]}\n"
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
            throw UsageError("cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
