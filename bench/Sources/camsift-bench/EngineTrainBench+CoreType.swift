import CamsiftCore
import COpenBLAS
import Foundation
import NN

/// Section 3 of `engine-train`: OPENBLAS_CORETYPE probe (a child process per core type, since OpenBLAS reads
/// the variable once at load).
extension EngineTrainBench {
    // MARK: 3. OPENBLAS_CORETYPE

    static let probeShapes = [(64, 65536, 288, "conv M=64 N=65536 K=288"), (64, 1024, 288, "conv M=64 N=1024 K=288"),
                              (144, 3136, 24, "1×1 M=144 N=3136 K=24"), (1024, 1024, 1024, "square 1024³")]

    static let stepColumn = "small-CNN train images/s"

    /// Child mode: print one line per probe shape, "GFLOPS <name>=<value>".
    static func gemmProbe() -> Int32 {
        let threads = Int(ProcessInfo.processInfo.environment["CAMSIFT_NN_THREADS"] ?? "") ?? 2
        NNThreads.set(threads)
        print("CORE \(NNThreads.blasCore)")
        for (m, n, k, name) in probeShapes { print("GFLOPS \(gemmRate(m: m, n: n, k: k, reps: 7)) \(name)") }
        // One thread, thread CPU time, best of 7: what the kernel costs, whatever else runs on the box.
        NNThreads.set(1)
        for (m, n, k, name) in probeShapes {
            let a = Tensor(zeros: [m, k]), b = Tensor(zeros: [k, n]), c = Tensor(zeros: [m, n])
            var best = Double.infinity
            for _ in 0..<8 {
                let t = threadCPUSeconds()
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a.pointer,
                            Int32(k), b.pointer, Int32(n), 0, c.pointer, Int32(n))
                best = Swift.min(best, threadCPUSeconds() - t)
            }
            print("CPU1 \(2.0 * Double(m * n * k) / best / 1e9) \(name)")
        }
        // A whole small-CNN training step (batch 64, 28×28), 1 thread, CPU time, best of 6 after a warm-up.
        if let model = try? SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 10, layout: .gap, seed: 1) {
            let x = Tensor(zeros: Shape(n: 64, c: 1, h: 28, w: 28))
            var rng = SeededGenerator(seed: 2)
            for i in 0..<x.count { x.pointer[i] = rng.uniform(1) }
            let loss = SoftmaxCrossEntropy(), labels = (0..<64).map { $0 % 10 }
            let optimizer = SGD(model, learningRate: 0.01, momentum: 0.9)
            var best = Double.infinity
            for rep in 0..<7 {
                let t = threadCPUSeconds()
                optimizer.zeroGrad()
                _ = try? loss.forward(try model.forward(x, training: true), labels: labels)
                _ = try? model.backward(try loss.backward())
                optimizer.step()
                if rep > 0 { best = Swift.min(best, threadCPUSeconds() - t) }
            }
            print("CPU1 \(64 / best) \(stepColumn)")
        }
        return 0
    }

    /// Children run round-robin (3 rounds) so every core type sees the same mix of machine load; cells are
    /// medians over rounds.
    static func coreTypeSection() {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let cores = ["", "Haswell", "SkylakeX", "Zen"]
        var picked = [String](repeating: "?", count: cores.count)
        var samples = [[String: [Double]]](repeating: [:], count: cores.count), cpuSamples = samples
        for _ in 0..<3 {
            for (index, core) in cores.enumerated() {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: exe)
                process.arguments = ["engine-train", "--gemm-probe"]
                var env = ProcessInfo.processInfo.environment
                if core.isEmpty { env.removeValue(forKey: "OPENBLAS_CORETYPE") } else { env["OPENBLAS_CORETYPE"] = core }
                env["CAMSIFT_NN_THREADS"] = "\(NNThreads.count)"
                process.environment = env
                let pipe = Pipe()
                process.standardOutput = pipe
                guard (try? process.run()) != nil else { continue }
                let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                for line in text.split(separator: "\n") {
                    if line.hasPrefix("CORE ") { picked[index] = String(line.dropFirst(5)) }
                    let parts = line.split(separator: " ", maxSplits: 2)
                    if parts.count == 3, parts[0] == "GFLOPS", let v = Double(parts[1]) {
                        samples[index][String(parts[2]), default: []].append(v)
                    }
                    if parts.count == 3, parts[0] == "CPU1", let v = Double(parts[1]) {
                        cpuSamples[index][String(parts[2]), default: []].append(v)
                    }
                }
            }
        }
        print("\n(4) OPENBLAS_CORETYPE: sgemm GFLOP/s at \(NNThreads.count) threads (median of 7 calls, then of 3 "
            + "round-robin rounds)")
        print("| OPENBLAS_CORETYPE | kernel | " + probeShapes.map(\.3).joined(separator: " | ") + " |")
        print("|---|---|" + String(repeating: "---|", count: probeShapes.count))
        for (index, core) in cores.enumerated() {
            let cells = probeShapes.map { fmt(median(samples[index][$0.3] ?? [])) }
            print("| \(core.isEmpty ? "(unset)" : core) | \(picked[index]) | " + cells.joined(separator: " | ") + " |")
        }
        print("\n(4b) the same GEMMs on 1 thread, GFLOP/s of thread CPU time (best of 8 calls, median of rounds): "
            + "robust to other load on the box; last column: a whole small-CNN training step, images per CPU-second")
        print("| OPENBLAS_CORETYPE | kernel | " + probeShapes.map(\.3).joined(separator: " | ") + " | \(stepColumn) |")
        print("|---|---|" + String(repeating: "---|", count: probeShapes.count + 1))
        for (index, core) in cores.enumerated() {
            let cells = (probeShapes.map(\.3) + [stepColumn]).map { fmt(median(cpuSamples[index][$0] ?? [])) }
            print("| \(core.isEmpty ? "(unset)" : core) | \(picked[index]) | " + cells.joined(separator: " | ") + " |")
        }
    }
}
