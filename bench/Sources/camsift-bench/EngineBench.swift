#if canImport(Glibc)
import Glibc
#endif
import COpenBLAS
import Foundation
import NN

/// `camsift-bench engine`: EfficientNet-Lite0 224×224 inference throughput (images/s) of camsift's engine on
/// the preprocessed tensors in `--inputs` (written by `camsift classify --dump-input`, the same file the ONNX
/// Runtime peer reads), at each `--batch` size. Prints one JSON line per batch size with every repetition's
/// images/s; bench/engine.sh runs the peer in the same session and prints medians and ratios.
///
/// `--kernels avx2|avx512` runs the channels-last kernels of that instruction set instead of the host's pick
/// (`InferenceKernels`), to measure what the run-time dispatched AVX-512 kernels pay; AVX-512 on a CPU without
/// it prints a note and no JSON.
///
/// usage: camsift-bench engine --model FILE --inputs FILE [--batch 1,16] [--threads 2] [--reps 5] [--seconds 2]
///        [--kernels avx2|avx512]
enum EngineBench {
    static func run(_ args: [String]) async throws -> Int32 {
        var opts: [String: String] = ["batch": "1,16", "threads": "2", "reps": "5", "seconds": "2"]
        var i = 0
        while i < args.count {
            guard args[i].hasPrefix("--"), i + 1 < args.count else {
                print("camsift-bench engine: bad argument '\(args[i])'")
                return 64
            }
            opts[String(args[i].dropFirst(2))] = args[i + 1]
            i += 2
        }
        guard let modelPath = opts["model"], let inputsPath = opts["inputs"],
              let threads = Int(opts["threads"]!), let reps = Int(opts["reps"]!),
              let seconds = Double(opts["seconds"]!) else {
            print("usage: camsift-bench engine --model FILE --inputs FILE [--batch 1,16] [--threads 2] [--reps 5] [--seconds 2]")
            return 64
        }
        if let k = opts["kernels"] {
            guard let kernels = InferenceKernels(rawValue: k) else {
                print("camsift-bench engine: --kernels must be one of \(InferenceKernels.allCases.map(\.rawValue))")
                return 64
            }
            guard kernels == .avx2 || InferenceKernels.host == .avx512 else {
                print("camsift-bench engine: this CPU has no AVX-512, skipping --kernels avx512")
                return 0
            }
            InferenceKernels.active = kernels
        }
        // --count N: at least N images per repetition (fixed work, for `perf stat` comparisons).
        let minImages = Int(opts["count"] ?? "0") ?? 0
        let batches = opts["batch"]!.split(separator: ",").compactMap { Int($0) }
        // --channels-last-from B: override the channels-last switch block (for measuring the choice).
        let net = try EfficientNetLite0(modelFile: try ModelFile.read(path: modelPath), threads: threads,
                                        channelsLastFrom: opts["channels-last-from"].flatMap { Int($0) })
        guard let data = FileManager.default.contents(atPath: inputsPath) else {
            print("camsift-bench engine: cannot read inputs '\(inputsPath)'")
            return 66
        }
        let pool: [Float] = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let per = net.imageElementCount
        let available = pool.count / per
        guard available >= 1 else {
            print("camsift-bench engine: '\(inputsPath)' holds no whole 3×\(net.inputSize)² image")
            return 65
        }
        let core = openblas_get_corename().map { String(cString: $0) } ?? "?"
        for n in batches {
            // The batch cycles through the available images (same order the peer uses).
            var batch = [Float](repeating: 0, count: n * per)
            for j in 0..<n {
                let s = (j % available) * per
                for e in 0..<per { batch[j * per + e] = pool[s + e] }
            }
            var logits = [Float](repeating: 0, count: n * net.classCount)
            let runOnce = {
                batch.withUnsafeBufferPointer { b in
                    logits.withUnsafeMutableBufferPointer { net.logits(batch: b, n: n, into: $0) }
                }
            }
            runOnce()
            runOnce()
            var rates: [Double] = []
            var cpuPerImage: [Double] = []
            for _ in 0..<reps {
                let cpu0 = cpuSeconds()
                let clock = ContinuousClock()
                let start = clock.now
                var images = 0
                var elapsed = 0.0
                repeat {
                    runOnce()
                    images += n
                    let d = clock.now - start
                    elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
                } while (elapsed < seconds || images < minImages) && images < 100_000
                rates.append(Double(images) / elapsed)
                cpuPerImage.append((cpuSeconds() - cpu0) * 1000 / Double(images))
            }
            let list = rates.map { String(format: "%.2f", $0) }.joined(separator: ",")
            let cpu = cpuPerImage.map { String(format: "%.2f", $0) }.joined(separator: ",")
            print("{\"engine\":\"camsift\",\"kernels\":\"\(InferenceKernels.active.rawValue)\",\"coretype\":\"\(core)\","
                  + "\"batch\":\(n),\"threads\":\(threads),\"ips\":[\(list)],\"cpu_ms_per_image\":[\(cpu)]}")
        }
        return 0
    }

    /// User + system CPU time of this process (all threads), to tell slow code from a busy machine.
    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6
    }
}
