import CamsiftCore
import COpenBLAS
import Foundation
import NN

/// Section 2 of `engine-train`: conv-layer GFLOP/s as a share of the measured `cblas_sgemm` peak.
extension EngineTrainBench {
    // MARK: 2. conv GFLOP/s vs sgemm peak

    struct ConvShape {
        let name: String, c: Int, oc: Int, size: Int, k: Int, stride: Int
    }

    /// Two groups, each with its own flop-weighted aggregate, because they answer different questions:
    /// - the small CNN's three convs at batch 32 — the layers part 2 trains, at the size of one data-parallel
    ///   shard (batch 64 over 2 replicas), so this is what the training number is made of;
    /// - EfficientNet-Lite0-like shapes through the training `Conv2D` at batch 8 (stem, early 1×1 convs with
    ///   K or M = 24, late 1×1 convs) — what fine-tuning the backbone costs; small K/M limits GEMM here.
    static let convGroups: [(name: String, batch: Int, shapes: [ConvShape])] = [
        ("small CNN (part 2's network), batch 32 = one training shard", 32, [
            ConvShape(name: "small-CNN conv1 3×3 1→32 @28", c: 1, oc: 32, size: 28, k: 3, stride: 1),
            ConvShape(name: "small-CNN conv2 3×3 32→64 @14", c: 32, oc: 64, size: 14, k: 3, stride: 1),
            ConvShape(name: "small-CNN conv3 3×3 64→128 @7", c: 64, oc: 128, size: 7, k: 3, stride: 1),
        ]),
        ("EfficientNet-Lite0-like shapes, batch 8", 8, [
            ConvShape(name: "stem 3→32 3×3/2 @224", c: 3, oc: 32, size: 224, k: 3, stride: 2),
            ConvShape(name: "expand 1×1 24→144 @56", c: 24, oc: 144, size: 56, k: 1, stride: 1),
            ConvShape(name: "project 1×1 144→24 @56", c: 144, oc: 24, size: 56, k: 1, stride: 1),
            ConvShape(name: "expand 1×1 80→480 @14", c: 80, oc: 480, size: 14, k: 1, stride: 1),
            ConvShape(name: "project 1×1 1152→192 @7", c: 1152, oc: 192, size: 7, k: 1, stride: 1),
            ConvShape(name: "head 1×1 320→1280 @7", c: 320, oc: 1280, size: 7, k: 1, stride: 1),
        ]),
    ]

    /// Flat list (the `--profile` mode compares each with its bare GEMM at batch 8).
    static var convShapes: [ConvShape] { convGroups.flatMap(\.shapes) }

    /// Each rep times a 1024³ sgemm (the peak reference) right before the layer, so both sides see the same
    /// machine load; the table reports medians of the per-rep values and of the per-rep ratios. The 1-thread
    /// columns use thread CPU time against a 1024³ sgemm timed the same way: robust to other load on the box, and
    /// the regime data-parallel training runs every conv in (one thread per replica).
    static func convSection(_ o: Options, _ v: inout Verdicts) throws {
        let reps = 9
        print("\n(3) conv layers vs cblas_sgemm peak (1024³ sgemm timed alongside each rep), "
            + "\(o.threads) threads, medians of \(reps) reps; fwd+bwd counts 3× the forward flops")
        print("| layer | batch | GFLOP | sgemm peak GFLOP/s | fwd GFLOP/s | fwd % of peak | fwd+bwd GFLOP/s "
            + "| fwd+bwd % of peak | 1-thread CPU fwd % | 1-thread CPU fwd+bwd % |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        var summary: [String] = []
        for group in convGroups {
            let batch = group.batch
            var fwdShare: [Double] = [], trainShare: [Double] = [], weights: [Double] = []
            var cpuShare: [Double] = [], cpuTrainShare: [Double] = []
            for s in group.shapes {
                var rng = SeededGenerator(seed: 1)
                let conv = Conv2D(inChannels: s.c, outChannels: s.oc, kernel: (s.k, s.k),
                                  stride: (s.stride, s.stride), padding: .same, bias: false, rng: &rng)
                let x = Tensor(zeros: Shape(n: batch, c: s.c, h: s.size, w: s.size))
                for i in 0..<x.count { x.pointer[i] = rng.uniform(1) }
                let out = try conv.outputShape(for: x.shape)
                let flops = 2.0 * Double(batch * s.oc * out.h * out.w * s.c * s.k * s.k)
                let dy = Tensor(zeros: out)
                dy.fill(0.01)
                conv.needsInputGradient = true
                var peaks: [Double] = [], fwd: [Double] = [], train: [Double] = [], rf: [Double] = []
                var rt: [Double] = []
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
                let (cpuF, cpuT) = try NNThreads.serially { () throws -> (Double, Double) in
                    let cpuPeak = cpuGemmPeak()
                    var bestF = Double.infinity, bestT = Double.infinity
                    for _ in 0..<5 {
                        var t = threadCPUSeconds()
                        _ = try conv.forward(x, training: false)
                        bestF = Swift.min(bestF, threadCPUSeconds() - t)
                        t = threadCPUSeconds()
                        _ = try conv.forward(x, training: true)
                        _ = try conv.backward(dy)
                        bestT = Swift.min(bestT, threadCPUSeconds() - t)
                    }
                    return (flops / bestF / 1e9 / cpuPeak, 3 * flops / bestT / 1e9 / cpuPeak)
                }
                cpuShare.append(cpuF)
                cpuTrainShare.append(cpuT)
                fwdShare.append(median(rf))
                trainShare.append(median(rt))
                weights.append(flops)
                print("| \(s.name) | \(batch) | \(fmt(flops / 1e9, 3)) | \(fmt(median(peaks))) | \(fmt(median(fwd))) | "
                    + "\(fmt(100 * median(rf)))% | \(fmt(median(train))) | \(fmt(100 * median(rt)))% | "
                    + "\(fmt(100 * cpuF))% | \(fmt(100 * cpuT))% |")
            }
            let total = weights.reduce(0, +)
            // Flop-weighted harmonic mean of the shares = total flops / total time at peak speed.
            func agg(_ shares: [Double]) -> Double { total / zip(weights, shares).map { $0 / $1 }.reduce(0, +) }
            print("| **\(group.name): all (time-weighted)** | \(batch) | \(fmt(total / 1e9, 3)) | | | "
                + "\(fmt(100 * agg(fwdShare)))% | | \(fmt(100 * agg(trainShare)))% | \(fmt(100 * agg(cpuShare)))% | "
                + "\(fmt(100 * agg(cpuTrainShare)))% |")
            v.check(agg(cpuTrainShare) >= 0.6, "conv \(group.name) forward+backward share of sgemm peak (1 thread, CPU time)",
                    "\(fmt(100 * agg(cpuTrainShare)))%", vs: "≥ 60%")
            summary.append("\(group.name): forward \(fmt(100 * agg(fwdShare)))%, forward+backward "
                + "\(fmt(100 * agg(trainShare)))% at \(o.threads) threads; 1 thread CPU time forward "
                + "\(fmt(100 * agg(cpuShare)))%, forward+backward \(fmt(100 * agg(cpuTrainShare)))%")
        }
        for line in summary { print("conv share of sgemm peak — " + line + " (target ≥ 60%)") }
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
}
