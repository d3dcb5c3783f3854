import COpenBLAS
import Foundation
import NN

/// `camsift-bench engine-train`: the training half of `make bench-engine` (EngineBench calls it).
///
/// 1. Small-CNN training images/s per epoch, camsift vs PyTorch CPU (bench/peers/torch_train.py: identical
///    architecture, batch size, optimizer, data and thread count), both measured in this run; medians of epochs.
/// 2. Conv-layer GFLOP/s on EfficientNet-like shapes as a fraction of the measured `cblas_sgemm` peak.
/// 3. OPENBLAS_CORETYPE probe: conv-shaped GEMMs under each kernel family (a child process per core type,
///    since OpenBLAS reads the variable once at load).
///
/// Options: --images N (6400) --batch B (64) --epochs E (3) --threads T (2) --peer PATH --data DIR --no-torch
///          --sections train,conv,coretype
enum EngineTrainBench {
    struct Options {
        var images = 3200, batch = 64, epochs = 3, threads = 2
        var peer = "bench/peers/torch_train.py"
        var data = "/usr/share/datasets/fashion-mnist"
        var torch = true
        var sections: Set<String> = ["train", "conv", "coretype"]
    }

    static func run(_ args: [String]) async throws -> Int32 {
        if args.first == "--gemm-probe" { return gemmProbe() }
        if args.first == "--profile" { return try profileLayers() }
        if args.first == "--pool-check" {
            // Hidden: wall time of a CPU-bound parallelFor at 1 and 2 threads (does the pool scale?).
            let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 64)
            let caller = pthread_self()
            for threads in [1, 2, 1, 2] {
                NNThreads.set(threads)
                let start = ContinuousClock.now
                for _ in 0..<20 {
                    NNThreads.parallelFor(8) { task in
                        var x = 0.0
                        for i in 0..<2_000_000 { x += Double(i & 7) * 1e-9 }
                        buffer[task] = x
                        buffer[32 + task] = Double(pthread_self() == caller ? 0 : 1)
                    }
                }
                print("tasks on workers in last call: \((0..<8).map { Int(buffer[32 + $0]) })")
                print("pool threads \(threads): \(fmt((ContinuousClock.now - start).seconds * 1000, 1)) ms")
            }
            return 0
        }
        var o = Options()
        var i = 0
        func value() -> String { i += 1; return i < args.count ? args[i] : "" }
        while i < args.count {
            switch args[i] {
            case "--images": o.images = Int(value()) ?? o.images
            case "--batch": o.batch = Int(value()) ?? o.batch
            case "--epochs": o.epochs = Int(value()) ?? o.epochs
            case "--threads": o.threads = Int(value()) ?? o.threads
            case "--peer": o.peer = value()
            case "--data": o.data = value()
            case "--no-torch": o.torch = false
            case "--sections": o.sections = Set(value().split(separator: ",").map(String.init))
            default:
                print("engine-train: unknown option \(args[i]); see EngineTrainBench.swift for the list")
                return 64
            }
            i += 1
        }
        NNThreads.set(o.threads)
        print("engine-train: \(o.threads) threads, OpenBLAS core \(NNThreads.blasCore), "
            + "OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)")")
        if o.sections.contains("train") { try trainSection(o) }
        if o.sections.contains("conv") { try convSection(o) }
        if o.sections.contains("coretype") { coreTypeSection() }
        return 0
    }

    // MARK: 1. training throughput

    /// Rounds alternate the engines (camsift epochs, then a torch process, twice) so that load from other
    /// processes on this shared box hits both alike; medians over all measured epochs of each engine.
    static func trainSection(_ o: Options) throws {
        let (x, labels, source) = try loadImages(o)
        let model = try SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 10, seed: 1)
        let optimizer = SGD(model, learningRate: 0.01, momentum: 0.9)
        let loss = SoftmaxCrossEntropy()
        let steps = o.images / o.batch
        var rates: [Double] = [], losses: [Float] = []
        var torchRates: [Double] = [], torchLoss: [Double] = [], torchInfo = "not run"
        let rounds = 2
        for round in 0..<rounds {
            for epoch in 0...o.epochs {   // epoch 0 of the first round warms up buffers and is not reported
                var total: Float = 0
                let start = ContinuousClock.now
                for s in 0..<steps {
                    let range = (s * o.batch)..<((s + 1) * o.batch)
                    optimizer.zeroGrad()
                    let logits = try model.forward(x.batch(range), training: true)
                    total += try loss.forward(logits, labels: Array(labels[range]))
                    _ = try model.backward(try loss.backward())
                    optimizer.step()
                }
                let seconds = (ContinuousClock.now - start).seconds
                if epoch > 0 || round > 0 {
                    rates.append(Double(steps * o.batch) / seconds)
                    losses.append(total / Float(steps))
                }
                if epoch == o.epochs - 1 && round > 0 { break }
            }
            if o.torch {
                let peer = try runPeer(o)
                torchRates += peer.rates
                torchLoss += peer.losses
                torchInfo = peer.info
            }
        }
        print("\n(2) small CNN training, 28×28 \(source), batch \(o.batch), \(steps * o.batch) images/epoch, "
            + "SGD momentum 0.9, \(o.threads) threads, \(rounds) alternating rounds of \(o.epochs) epochs "
            + "(+1 warm-up each), medians")
        print("| engine | images/s (median) | epochs | mean loss last epoch |")
        print("|---|---|---|---|")
        print("| camsift | \(fmt(median(rates))) | \(rates.map { fmt($0) }.joined(separator: ", ")) | "
            + "\(fmt(Double(losses.last ?? .nan), 3)) |")
        if o.torch {
            print("| PyTorch \(torchInfo) | \(fmt(median(torchRates))) | "
                + "\(torchRates.map { fmt($0) }.joined(separator: ", ")) | \(fmt(torchLoss.last ?? .nan, 3)) |")
            print("camsift / torch = \(fmt(median(rates) / median(torchRates), 2))× (target ≥ 1.25×)")
        }
    }

    static func loadImages(_ o: Options) throws -> (Tensor, [Int], String) {
        let count = (o.images / o.batch) * o.batch
        let imagesPath = o.data + "/train-images-idx3-ubyte.gz", labelsPath = o.data + "/train-labels-idx1-ubyte.gz"
        let x = Tensor(zeros: Shape(n: count, c: 1, h: 28, w: 28))
        if let raw = gunzip(imagesPath), let rawLabels = gunzip(labelsPath), raw.count >= 16 + count * 784 {
            raw.withUnsafeBytes { bytes in
                for i in 0..<(count * 784) { x.pointer[i] = (Float(bytes[16 + i]) - 127.5) / 127.5 }
            }
            let labels = (0..<count).map { Int(rawLabels[8 + $0]) }
            return (x, labels, "Fashion-MNIST")
        }
        print("engine-train: \(imagesPath) not readable (apt-get install dataset-fashion-mnist); synthetic data")
        var rng = SeededGenerator(seed: 1)
        for i in 0..<x.count { x.pointer[i] = rng.uniform(1) }
        return (x, (0..<count).map { $0 % 10 }, "synthetic")
    }

    static func gunzip(_ path: String) -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? data : nil
    }

    static func runPeer(_ o: Options) throws -> (rates: [Double], losses: [Double], info: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [o.peer, "--images", o.data + "/train-images-idx3-ubyte.gz",
                             "--labels", o.data + "/train-labels-idx1-ubyte.gz", "--count", "\(o.images)",
                             "--batch", "\(o.batch)", "--epochs", "\(o.epochs)", "--threads", "\(o.threads)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rates = json["images_per_s"] as? [Double], let losses = json["loss"] as? [Double] else {
            throw NNError(code: .io,
                message: "torch peer \(o.peer) failed (exit \(process.terminationStatus)); install python3-torch "
                + "(make deps-bench) or pass --no-torch")
        }
        return (rates, losses, "\(json["torch"] ?? "?") (mkldnn \(json["mkldnn"] ?? "?"))")
    }

    // MARK: 2. conv GFLOP/s vs sgemm peak

    struct ConvShape {
        let name: String, c: Int, oc: Int, size: Int, k: Int, stride: Int
    }

    static let convShapes = [
        ConvShape(name: "stem 3→32 3×3/2 @224", c: 3, oc: 32, size: 224, k: 3, stride: 2),
        ConvShape(name: "expand 1×1 24→144 @56", c: 24, oc: 144, size: 56, k: 1, stride: 1),
        ConvShape(name: "project 1×1 144→24 @56", c: 144, oc: 24, size: 56, k: 1, stride: 1),
        ConvShape(name: "expand 1×1 80→480 @14", c: 80, oc: 480, size: 14, k: 1, stride: 1),
        ConvShape(name: "project 1×1 1152→192 @7", c: 1152, oc: 192, size: 7, k: 1, stride: 1),
        ConvShape(name: "head 1×1 320→1280 @7", c: 320, oc: 1280, size: 7, k: 1, stride: 1),
        ConvShape(name: "small-CNN 3×3 32→64 @14", c: 32, oc: 64, size: 14, k: 3, stride: 1),
    ]

    /// Each rep times a 1024³ sgemm (the peak reference) right before the layer, so both sides see the same
    /// machine load; the table reports medians of the per-rep values and of the per-rep ratios.
    static func convSection(_ o: Options) throws {
        let batch = 8, reps = 9
        print("\n(3) conv layers vs cblas_sgemm peak (1024³ sgemm timed alongside each rep), batch \(batch), "
            + "\(o.threads) threads, medians of \(reps) reps; fwd+bwd counts 3× the forward flops")
        print("| layer | GFLOP | sgemm peak GFLOP/s | fwd GFLOP/s | fwd % of peak | fwd+bwd GFLOP/s | fwd+bwd % of peak "
            + "| 1-thread CPU-time fwd % of peak |")
        print("|---|---|---|---|---|---|---|---|")
        var fwdShare: [Double] = [], trainShare: [Double] = [], weights: [Double] = [], cpuShare: [Double] = []
        for s in convShapes {
            var rng = SeededGenerator(seed: 1)
            let conv = Conv2D(inChannels: s.c, outChannels: s.oc, kernel: (s.k, s.k), stride: (s.stride, s.stride),
                              padding: .same, bias: false, rng: &rng)
            let x = Tensor(zeros: Shape(n: batch, c: s.c, h: s.size, w: s.size))
            for i in 0..<x.count { x.pointer[i] = rng.uniform(1) }
            let out = try conv.outputShape(for: x.shape)
            let flops = 2.0 * Double(batch * s.oc * out.h * out.w * s.c * s.k * s.k)
            let dy = Tensor(zeros: out)
            dy.fill(0.01)
            conv.needsInputGradient = true
            var peaks: [Double] = [], fwd: [Double] = [], train: [Double] = [], rf: [Double] = [], rt: [Double] = []
            _ = try conv.forward(x, training: true)
            _ = try conv.backward(dy)
            for _ in 0..<reps {
                let peak = gemmRate(m: 1024, n: 1024, k: 1024, reps: 1)
                let f = flops / (try seconds { _ = try conv.forward(x, training: false) }) / 1e9
                let t = 3 * flops / (try seconds {
                    _ = try conv.forward(x, training: true)
                    _ = try conv.backward(dy)
                }) / 1e9
                peaks.append(peak)
                fwd.append(f)
                train.append(t)
                rf.append(f / peak)
                rt.append(t / peak)
            }
            // Noise-robust companion: 1 thread, thread CPU time, best of 5, against a 1024³ sgemm measured the same way.
            NNThreads.set(1)
            let cpuPeak = cpuGemmPeak()
            var cpuForward = Double.infinity
            for _ in 0..<5 {
                let t = threadCPUSeconds()
                _ = try conv.forward(x, training: false)
                cpuForward = Swift.min(cpuForward, threadCPUSeconds() - t)
            }
            NNThreads.set(o.threads)
            cpuShare.append(flops / cpuForward / 1e9 / cpuPeak)
            fwdShare.append(median(rf))
            trainShare.append(median(rt))
            weights.append(flops)
            print("| \(s.name) | \(fmt(flops / 1e9, 3)) | \(fmt(median(peaks))) | \(fmt(median(fwd))) | "
                + "\(fmt(100 * median(rf)))% | \(fmt(median(train))) | \(fmt(100 * median(rt)))% | "
                + "\(fmt(100 * cpuShare.last!))% |")
        }
        let total = weights.reduce(0, +)
        // Flop-weighted harmonic mean of the shares = total flops / total time at peak speed.
        let f = total / zip(weights, fwdShare).map { $0 / $1 }.reduce(0, +)
        let t = total / zip(weights, trainShare).map { $0 / $1 }.reduce(0, +)
        let c = total / zip(weights, cpuShare).map { $0 / $1 }.reduce(0, +)
        print("| all (time-weighted) | \(fmt(total / 1e9, 3)) | | | \(fmt(100 * f))% | | \(fmt(100 * t))% | "
            + "\(fmt(100 * c))% |")
        print("conv forward = \(fmt(100 * f))% of sgemm peak, forward+backward = \(fmt(100 * t))%; 1-thread CPU time "
            + "\(fmt(100 * c))% (target ≥ 60%)")
    }

    /// 1024³ sgemm GFLOP/s on the calling thread's CPU time (best of 5); call with 1 BLAS thread.
    static func cpuGemmPeak() -> Double {
        let a = Tensor(zeros: [1024, 1024]), b = Tensor(zeros: [1024, 1024]), c = Tensor(zeros: [1024, 1024])
        var best = Double.infinity
        for _ in 0..<5 {
            let t = threadCPUSeconds()
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1024, 1024, 1024, 1, a.pointer, 1024, b.pointer,
                        1024, 0, c.pointer, 1024)
            best = Swift.min(best, threadCPUSeconds() - t)
        }
        return 2.0 * 1024 * 1024 * 1024 / best / 1e9
    }

    static func seconds(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        return (ContinuousClock.now - start).seconds
    }

    /// OpenBLAS's own multi-threaded sgemm at the engine's thread count (the engine pins OpenBLAS to 1 thread and
    /// splits GEMMs itself; the reference peak is OpenBLAS at full width).
    static func gemmRate(m: Int, n: Int, k: Int, reps: Int) -> Double {
        openblas_set_num_threads(Int32(NNThreads.count))
        defer { openblas_set_num_threads(1) }
        let a = Tensor(zeros: [m, k]), b = Tensor(zeros: [k, n]), c = Tensor(zeros: [m, n])
        a.fill(0.5)
        b.fill(0.25)
        let seconds = (try? medianSeconds(reps: reps) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a.pointer,
                        Int32(k), b.pointer, Int32(n), 0, c.pointer, Int32(n))
        }) ?? .infinity
        return 2.0 * Double(m * n * k) / seconds / 1e9
    }

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
        if let model = try? SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 10, seed: 1) {
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

    /// Hidden: per-layer CPU time (thread CPU clock, immune to other load) of one small-CNN training step at 1 thread.
    static func profileLayers() throws -> Int32 {
        NNThreads.set(1)
        let model = try SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 10, seed: 1)
        var rng = SeededGenerator(seed: 2)
        let x = Tensor(zeros: Shape(n: 64, c: 1, h: 28, w: 28))
        for i in 0..<x.count { x.pointer[i] = rng.uniform(1) }
        func cpu() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
        }
        var fwd = [Double](repeating: 0, count: model.layers.count), bwd = fwd
        let loss = SoftmaxCrossEntropy()
        let labels = (0..<64).map { $0 % 10 }
        for rep in 0..<12 {
            var h = x
            var outs: [Tensor] = []
            for (i, (_, layer)) in model.layers.enumerated() {
                let t = cpu()
                h = try layer.forward(h, training: true)
                if rep >= 2 { fwd[i] += cpu() - t }
                outs.append(h)
            }
            _ = try loss.forward(h, labels: labels)
            var g = try loss.backward()
            for i in stride(from: model.layers.count - 1, through: 0, by: -1) {
                model.layers[i].1.needsInputGradient = i > 0
                let t = cpu()
                g = try model.layers[i].1.backward(g)
                if rep >= 2 { bwd[i] += cpu() - t }
            }
        }
        for (i, (name, _)) in model.layers.enumerated() {
            print("\(name)\tfwd \(fmt(fwd[i] * 100, 3)) ms\tbwd \(fmt(bwd[i] * 100, 3)) ms")
        }
        print("total \(fmt((fwd.reduce(0, +) + bwd.reduce(0, +)) * 100, 3)) ms per step of 64")
        // The conv-section shapes: layer forward vs the bare GEMM it contains (CPU ms, 1 thread).
        for s in convShapes {
            let conv = Conv2D(inChannels: s.c, outChannels: s.oc, kernel: (s.k, s.k), stride: (s.stride, s.stride),
                              padding: .same, bias: false, rng: &rng)
            let xs = Tensor(zeros: Shape(n: 8, c: s.c, h: s.size, w: s.size))
            let o = try conv.outputShape(for: xs.shape)
            let k = s.c * s.k * s.k, n = 8 * o.h * o.w
            let a = Tensor(zeros: [s.oc, k]), b = Tensor(zeros: [k, n]), c = Tensor(zeros: [s.oc, n])
            var layer = Double.infinity, gemm = Double.infinity
            for _ in 0..<5 {
                var t = cpu()
                _ = try conv.forward(xs, training: false)
                layer = Swift.min(layer, cpu() - t)
                t = cpu()
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(s.oc), Int32(n), Int32(k), 1,
                            a.pointer, Int32(k), b.pointer, Int32(n), 0, c.pointer, Int32(n))
                gemm = Swift.min(gemm, cpu() - t)
            }
            print("\(s.name)\tlayer \(fmt(layer * 1e3, 3)) ms\tbare GEMM \(fmt(gemm * 1e3, 3)) ms")
        }
        return 0
    }

    // MARK: helpers

    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func medianSeconds(reps: Int, _ body: () throws -> Void) throws -> Double {
        try body()   // warm-up: buffers, OpenBLAS threads
        var times: [Double] = []
        for _ in 0..<reps {
            let start = ContinuousClock.now
            try body()
            times.append((ContinuousClock.now - start).seconds)
        }
        return median(times)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func fmt(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
