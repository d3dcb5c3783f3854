#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Learning

/// `camsift-bench propagation`: issue 21's benchmark of Iterative Multi-label Propagation (Indyk, Kajdanowicz,
/// Kazienko, "Relational large scale multi-label classification method for video categorization").
///
/// `--part karate`: Zachary's karate club (tests/fixtures/karate-club.edges), members 1 and 34 labelled, IMP run to
/// convergence against the closed-form solution (D + I_L − W) P = I_L Y (LAPACK dgesv), within 1e-5.
/// `--part quality`: Fashion-MNIST train + t10k (70,000 nodes), pixels / 255 → PCA-50 (Serving's, LAPACK ssyevd) → exact cosine
/// k = 10 neighbours (blocked sgemm), weights 1/k, symmetrised W + Wᵀ; 34 % and 95 % of the labels hidden (seeded).
/// Per iteration: share of nodes reached, accuracy (arg-max) and Hamming loss (label set at τ = 0.5) on the hidden
/// nodes. Peer: scikit-learn LabelSpreading on the very same W (`bench/peers/sklearn_propagation.py`), and the
/// one-hop k-NN vote (majority of the labelled among each node's own 10 neighbours).
/// `--part scale`: `PowerLawGraph` with 5.1 M nodes × 20 out-edges, 15 labels, 66 % of nodes labelled with 1–3
/// labels, `--scale-iterations` iterations: seconds per iteration and peak RSS (VmHWM). Run as its own process
/// (bench/propagation.sh) so the peak is this part's. Then, with `--pyspark DIR`, the same graph through the Spark job
/// `tools/imp_spark.py` in local mode (`PropagationSpark`), after the RSS figure is taken.
enum PropagationBench {
    struct Settings {
        var parts: Set<String> = ["karate", "quality", "scale"]
        var karate = "tests/fixtures/karate-club.edges"
        var data = "/usr/share/datasets/fashion-mnist"
        var work = "/tmp/camsift-propagation"
        var python = "/usr/bin/python3"
        var peerScript = "bench/peers/sklearn_propagation.py"
        var k = 10
        var maxIterations = 200
        var scaleNodes = 5_100_000
        var scaleIterations = 3
        var threads = 2
        /// The Spark column of the scale part (`PropagationSpark`): pyspark's --target directory (nil: skipped).
        var pyspark: String?
        var sparkScript = "tools/imp_spark.py"
        /// One node range per core: each map task emits a dense n × L block set, so the shuffle grows with the
        /// number of ranges.
        var sparkPartitions = 2
        var sparkMemory = "4g"
        /// Seconds after which the Spark job starts no further iteration.
        var sparkBudget = 1800
        /// w_vv′ of the quality part: 1 is the paper's; any other value is a labelled experiment, not the method.
        var clampWeight: Float = 1
    }

    static func run(_ args: [String]) async throws -> Int32 {
        var s = Settings()
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw LearningError(.badArgument, "propagation: \(args[i - 1]) needs a value") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--part": s.parts = Set(try value().split(separator: ",").map(String.init))
            case "--karate": s.karate = try value()
            case "--data": s.data = try value()
            case "--work": s.work = try value()
            case "--python": s.python = try value()
            case "--peer-script": s.peerScript = try value()
            case "--max-iterations": s.maxIterations = Int(try value()) ?? s.maxIterations
            case "--scale-nodes": s.scaleNodes = Int(try value()) ?? s.scaleNodes
            case "--scale-iterations": s.scaleIterations = Int(try value()) ?? s.scaleIterations
            case "--clamp-weight": s.clampWeight = Float(try value()) ?? s.clampWeight
            case "--threads": s.threads = Int(try value()) ?? s.threads
            case "--pyspark": s.pyspark = try value()
            case "--spark-script": s.sparkScript = try value()
            case "--spark-partitions": s.sparkPartitions = Int(try value()) ?? s.sparkPartitions
            case "--spark-memory": s.sparkMemory = try value()
            case "--spark-budget": s.sparkBudget = Int(try value()) ?? s.sparkBudget
            default: throw LearningError(.badArgument, "propagation: unknown option \(args[i])")
            }
            i += 1
        }
        var verdicts = Verdicts()
        if s.parts.contains("karate") { try karate(s, &verdicts) }
        if s.parts.contains("quality") { try await PropagationQuality.run(s, &verdicts) }
        if s.parts.contains("scale") { try scale(s, &verdicts) }
        return verdicts.exitCode
    }

    static func karate(_ s: Settings, _ v: inout Verdicts) throws {
        let edges = try PropagationGraph.readEdgeList(s.karate, oneBased: true)
        let g = try PropagationGraph(nodeCount: 34, edges: edges)
        var labels = [Int](repeating: -1, count: 34)
        labels[0] = 0
        labels[33] = 1
        let seeds = try PropagationSeeds(nodeCount: 34, labelCount: 2, singleLabels: labels)
        let exact = try HarmonicSolution.solve(graph: g, seeds: seeds)
        let imp = try IterativePropagation(graph: g, seeds: seeds, threads: s.threads)
        let steps = imp.run(maxIterations: 5000, tolerance: 1e-7)
        let err = (0..<68).map { abs(Double(imp.p[$0]) - exact[$0]) }.max() ?? .infinity
        print("karate: \(edges.count) edges, all 34 reached by iteration \(imp.firstReached.max()!), converged after "
              + "\(steps.count) iterations; max |P − P_harmonic| = \(String(format: "%.2e", err))")
        v.check(edges.count == 78 && err <= 1e-5, "karate club vs harmonic solution (LAPACK dgesv)",
                String(format: "%.2e", err), vs: "1e-5")
    }

    static func scale(_ s: Settings, _ v: inout Verdicts) throws {
        let n = s.scaleNodes, L = 15
        var t = Date()
        let g = try PowerLawGraph.make(nodeCount: n, outEdges: 20)
        var maxDeg = 0
        for u in 0..<n { maxDeg = max(maxDeg, g.degree(u)) }
        print(String(format: "scale: power-law graph %d nodes, %d entries (W + Wᵀ), max degree %d, built in %.1f s",
                     n, g.entryCount, maxDeg, Date().timeIntervalSince(t)))
        t = Date()
        var rng: UInt64 = 0x5EED
        let seeds = try PropagationSeeds(nodeCount: n, labelCount: L) { _ in
            func next() -> UInt64 {
                rng &+= 0x9E37_79B9_7F4A_7C15
                var z = rng
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
            guard next() % 100 < 66 else { return nil }
            return (0..<(1 + Int(next() % 3))).map { _ in Int(next() % UInt64(L)) }
        }
        let imp = try IterativePropagation(graph: g, seeds: seeds, threads: s.threads)
        print(String(format: "scale: %d labelled nodes, %d labels, set up in %.1f s", seeds.labelledCount, L,
                     Date().timeIntervalSince(t)))
        var worst = 0.0
        for _ in 0..<s.scaleIterations {
            let st = imp.step()
            worst = max(worst, st.seconds)
            print(String(format: "scale: iteration %d: %.2f s, reached %.2f %%, max ΔP %.3g, RSS peak %.2f GiB",
                         st.iteration, st.seconds, 100 * Double(st.reached) / Double(n), st.maxChange, peakRSSGiB()))
        }
        let rss = peakRSSGiB()
        let full = n == 5_100_000
        v.check(full && worst <= 30, "scale: seconds per iteration, \(n) nodes × 20 out-edges, 15 labels, \(s.threads) threads",
                String(format: "%.2f s", worst), vs: "30 s")
        v.check(full && rss <= 4, "scale: peak RSS", String(format: "%.2f GiB", rss), vs: "4 GiB")
        try PropagationSpark.run(s, graph: g, seeds: seeds, swift: imp, swiftWorst: worst, &v)
    }

    /// VmHWM of this process.
    static func peakRSSGiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan
            return kb / (1024 * 1024)
        }
        return .nan
    }
}
