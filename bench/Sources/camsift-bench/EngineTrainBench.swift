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
/// Options: --images N (3200) --batch B (64) --epochs E (3) --rounds R (4) --threads T (2) --peer PATH --data DIR --no-torch
///          --per-layer --replicas R
///          --sections train,conv,coretype
enum EngineTrainBench {
    struct Options {
        var images = 3200, batch = 64, epochs = 3, threads = 2
        /// Alternating camsift/PyTorch rounds (4: both engines' rates swing ±15 % on this box within a minute;
        /// 2 rounds made the median ratio move 1.16–1.42× between back-to-back runs, bench/RESULTS.md session 5).
        var rounds = 4
        var peer = "bench/peers/torch_train.py"
        var data = "/usr/share/datasets/fashion-mnist"
        var torch = true
        /// `DataParallelTrainer` (default) or the old per-layer parallel step (`--per-layer`), for comparison.
        var dataParallel = true
        /// Data-parallel replicas (shards per batch); 0 = one per thread.
        var replicas = 0
        var sections: Set<String> = ["train", "conv", "coretype"]
    }

    static func run(_ args: [String]) async throws -> Int32 {
        if args.first == "--gemm-probe" { return gemmProbe() }
        if args.first == "--profile" { return try profileLayers() }
        if args.first == "--pool-check" { return poolCheck() }
        var o = Options()
        var i = 0
        func value() -> String { i += 1; return i < args.count ? args[i] : "" }
        while i < args.count {
            switch args[i] {
            case "--images": o.images = Int(value()) ?? o.images
            case "--batch": o.batch = Int(value()) ?? o.batch
            case "--epochs": o.epochs = Int(value()) ?? o.epochs
            case "--rounds": o.rounds = max(1, Int(value()) ?? o.rounds)
            case "--threads": o.threads = Int(value()) ?? o.threads
            case "--peer": o.peer = value()
            case "--data": o.data = value()
            case "--no-torch": o.torch = false
            case "--per-layer": o.dataParallel = false
            case "--replicas": o.replicas = Int(value()) ?? o.replicas
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
        var v = Verdicts()
        if o.sections.contains("train") { try trainSection(o, &v) }
        if o.sections.contains("conv") { try convSection(o, &v) }
        if o.sections.contains("coretype") { coreTypeSection() }
        return v.exitCode
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
