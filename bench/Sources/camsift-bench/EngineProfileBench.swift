import Foundation
import NN

/// `camsift-bench engine-profile`: where an EfficientNet-Lite0 forward pass spends its time, phase by phase
/// (stem, each block's expand + depthwise and project, head), as ms per image and GFLOP/s, at `--chunks`
/// slices per phase (1 = one thread, as each worker runs an image at batch ≥ 2; 2 = batch 1 on two threads).
///
/// `--kernels avx2|avx512`: as `camsift-bench engine`.
///
/// usage: camsift-bench engine-profile --model FILE --inputs FILE [--chunks 1] [--images 64] [--channels-last-from B]
///        [--kernels avx2|avx512]
enum EngineProfileBench {
    static func run(_ args: [String]) async throws -> Int32 {
        var opts: [String: String] = ["chunks": "1", "images": "64"]
        var i = 0
        while i + 1 < args.count, args[i].hasPrefix("--") {
            opts[String(args[i].dropFirst(2))] = args[i + 1]
            i += 2
        }
        guard i == args.count, let modelPath = opts["model"], let inputsPath = opts["inputs"],
              let chunks = Int(opts["chunks"]!), let images = Int(opts["images"]!), chunks >= 1, images >= 1 else {
            print("usage: camsift-bench engine-profile --model FILE --inputs FILE [--chunks 1] [--images 64] [--channels-last-from B]")
            return 64
        }
        if let k = opts["kernels"] {
            guard let kernels = InferenceKernels(rawValue: k), kernels == .avx2 || InferenceKernels.host == .avx512 else {
                print("camsift-bench engine-profile: --kernels \(k) is not one this CPU runs (host: \(InferenceKernels.host))")
                return 64
            }
            InferenceKernels.active = kernels
        }
        let from = opts["channels-last-from"].flatMap { Int($0) }
        let net = try EfficientNetLite0(modelFile: try ModelFile.read(path: modelPath), threads: max(2, chunks),
                                        channelsLastFrom: from)
        guard let data = FileManager.default.contents(atPath: inputsPath) else {
            print("camsift-bench engine-profile: cannot read inputs '\(inputsPath)'")
            return 66
        }
        let pool: [Float] = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let available = pool.count / net.imageElementCount
        guard available >= 1 else { print("camsift-bench engine-profile: no whole image in '\(inputsPath)'"); return 65 }
        let batch = [Float](unsafeUninitializedCapacity: images * net.imageElementCount) { buf, count in
            for j in 0..<images {
                let s = (j % available) * net.imageElementCount
                for e in 0..<net.imageElementCount { buf[j * net.imageElementCount + e] = pool[s + e] }
            }
            count = images * net.imageElementCount
        }
        let times = batch.withUnsafeBufferPointer { b in
            _ = profilePhases(net, batch: b, n: min(4, images), chunks: chunks)   // warm-up
            return profilePhases(net, batch: b, n: images, chunks: chunks)
        }
        let total = times.reduce(0) { $0 + $1.seconds }
        print("EfficientNet-Lite0 phases, \(images) images, \(chunks) slice(s) per phase (wall time)")
        func pad(_ s: String) -> String { s.count >= 56 ? s : s + String(repeating: " ", count: 56 - s.count) }
        print("kernels: \(InferenceKernels.active.rawValue) (host: \(InferenceKernels.host.rawValue))")
        print(pad("phase (channels-last from block \(net.channelsLastFrom))") + "    ms/img  share     MMAC  GFLOP/s")
        for t in times {
            let ms = t.seconds * 1000 / Double(images)
            let gflops = t.macs > 0 ? 2 * Double(t.macs) * Double(images) / t.seconds / 1e9 : 0
            print(pad(t.name) + String(format: " %9.3f %5.1f%% %8.2f %8.1f", ms, 100 * t.seconds / total,
                         Double(t.macs) / 1e6, gflops))
        }
        let macs = times.reduce(0) { $0 + $1.macs }
        print(pad("total") + String(format: " %9.3f %5.1f%% %8.2f %8.1f", total * 1000 / Double(images), 100.0,
                     Double(macs) / 1e6, 2 * Double(macs) * Double(images) / total / 1e9))
        return 0
    }
}
