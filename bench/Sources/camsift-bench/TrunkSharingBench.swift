import Foundation
import NN

/// `camsift-bench trunk-sharing` (issue 15 §2): the serving cost of a level-2 bundle, two EfficientNet-Lite0
/// models whose top blocks, head conv and classifier were fine-tuned apart, run as one `SharedTrunkEfficientNet`
/// (trunk once, each top from its output), against one `EfficientNetLite0` logits pass. Target: ≤ 1.2× one model.
///
/// M0 is `--model` as is; M1 is the same file with the tensors of its top `--top-blocks` blocks, head conv and
/// classifier multiplied by 1 + 0.05·u (seeded): the layers a level-2 training changes. The default, 2, is what
/// `camsift train` fine-tunes at level 2 when the trunk cache fits (`NetworkFactory.automaticTopBlocks`), so
/// the trunk is blocks 0…13. Rounds alternate the two engines (first one, then the other, order swapped every
/// round) so that load from other processes hits both alike. Both models classify `--classes` classes (default
/// 10: the first rows of the ImageNet classifier): a level-2 bundle is trained on an operator's archive of a
/// handful of classes, and two copies of ImageNet's 1000-class classifier (5 MB each) would measure a cache
/// footprint no served bundle has; each round times `--seconds` of back-to-back
/// `logits` calls per engine. Reports medians over rounds of the wall-clock ms per image (and CPU ms per image)
/// and the median of the per-round ratios; exits 1 when the batch-16 ratio of the medians is over the limit.
///
/// usage: camsift-bench trunk-sharing --model FILE [--inputs FILE] [--batch 16,1] [--threads 2] [--rounds 7]
///        [--seconds 1.5] [--top-blocks 2] [--limit 1.2]
enum TrunkSharingBench {
    static func run(_ args: [String]) async throws -> Int32 {
        var opts: [String: String] = ["batch": "16,1", "threads": "2", "rounds": "7", "seconds": "1.5", "top-blocks": "2",
                                      "limit": "1.2", "classes": "10"]
        var i = 0
        while i < args.count {
            guard args[i].hasPrefix("--"), i + 1 < args.count else {
                print("camsift-bench trunk-sharing: bad argument '\(args[i])'")
                return 64
            }
            opts[String(args[i].dropFirst(2))] = args[i + 1]
            i += 2
        }
        let batches = opts["batch"]!.split(separator: ",").compactMap { Int($0) }
        guard let modelPath = opts["model"], let threads = Int(opts["threads"]!), let rounds = Int(opts["rounds"]!),
              let seconds = Double(opts["seconds"]!), let topBlocks = Int(opts["top-blocks"]!), (1...16).contains(topBlocks),
              let limit = Double(opts["limit"]!), let classes = Int(opts["classes"]!), classes >= 1,
              !batches.isEmpty, rounds >= 1 else {
            print("usage: camsift-bench trunk-sharing --model FILE [--inputs FILE] [--batch 16,1] [--threads 2] [--rounds 7] "
                  + "[--seconds 1.5] [--top-blocks 2] [--limit 1.2] [--classes 10]")
            return 64
        }
        let m0 = try Self.keepingClasses(try ModelFile.read(path: modelPath), classes)
        let blockCount = try m0.architecture(as: EfficientNetArchitecture.self).blocks.count
        let changed = (blockCount - topBlocks..<blockCount).map { "blocks.\($0)." } + ["head.", "classifier."]
        let m1 = try perturbed(m0, changed)
        let single = try EfficientNetLite0(modelFile: m0, threads: threads)
        let shared = try SharedTrunkEfficientNet(modelFiles: [m0, m1], threads: threads)
        print("trunk sharing: \(classes)-class models; M1 = M0 with \(changed.joined(separator: " ")) changed; trunk = stem + blocks 0…"
              + "\(shared.trunkBlocks - 1) (\(shared.trunkBlocks) blocks), \(threads) threads, \(rounds) alternating rounds "
              + "of \(seconds) s per engine")

        // Inputs: the preprocessed photos `camsift classify --dump-input` wrote (bench/engine.sh), else seeded noise
        // (the kernels' cost does not depend on the values).
        let per = single.imageElementCount
        var pool: [Float]
        if let path = opts["inputs"] {
            guard let data = FileManager.default.contents(atPath: path), data.count >= per * 4 else {
                print("camsift-bench trunk-sharing: cannot read a whole 3×\(single.inputSize)² image from '\(path)'")
                return 66
            }
            pool = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            pool.removeLast(pool.count % per)
        } else {
            var state: UInt64 = 15
            pool = (0..<(4 * per)).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
            }
        }
        let available = pool.count / per

        var verdicts = Verdicts()
        for n in batches {
            // The batch cycles through the available images (as `camsift-bench engine` does).
            let batch = (0..<n).flatMap { j in pool[((j % available) * per)..<((j % available + 1) * per)] }
            let singleOut = UnsafeMutableBufferPointer<Float>.allocate(capacity: n * single.classCount)
            let sharedOut = shared.classCounts.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: n * $0) }
            defer {
                singleOut.deallocate()
                for o in sharedOut { o.deallocate() }
            }
            let engines: [(name: String, pass: () -> Void)] = [
                ("one EfficientNetLite0", { batch.withUnsafeBufferPointer { single.logits(batch: $0, n: n, into: singleOut) } }),
                ("SharedTrunkEfficientNet, 2 models", { batch.withUnsafeBufferPointer { shared.logits(batch: $0, n: n, into: sharedOut) } }),
            ]
            for e in engines { for _ in 0..<2 { e.pass() } }   // warm-up: buffers sized, pages touched
            var wall = [[Double]](repeating: [], count: 2), cpu = [[Double]](repeating: [], count: 2)
            for round in 0..<rounds {
                for k in (round % 2 == 0 ? [0, 1] : [1, 0]) {
                    let (w, c) = time(engines[k].pass, images: n, seconds: seconds)
                    wall[k].append(w)
                    cpu[k].append(c)
                }
            }
            let med = wall.map(median), cpuMed = cpu.map(median)
            let paired = zip(wall[1], wall[0]).map { $0 / $1 }
            print("batch \(n):")
            for k in 0..<2 {
                print("  " + engines[k].name.padding(toLength: 36, withPad: " ", startingAt: 0)
                      + String(format: " %7.2f ms/image wall (%5.2f–%5.2f), %6.2f CPU ms/image, %6.1f images/s",
                               med[k], wall[k].min()!, wall[k].max()!, cpuMed[k], 1000 / med[k]))
            }
            let ratio = med[1] / med[0]
            print(String(format: "  ratio of medians %.3fx (CPU %.3fx); per round (median %.3fx) ", ratio, cpuMed[1] / cpuMed[0],
                         median(paired)) + paired.map { String(format: "%.2f", $0) }.joined(separator: " "))
            if n == 16 || batches.count == 1 {
                verdicts.check(ratio <= limit, "trunk-sharing", String(format: "%.2fx", ratio), vs: String(format: "%.1fx", limit)
                               + String(format: " (batch %d, two level-2 models vs one model at %.2f ms/image)", n, med[0]))
            } else {
                print(String(format: "info  trunk-sharing at batch %d: %.2fx (not gated)", n, ratio))
            }
        }
        return verdicts.exitCode
    }

    /// Wall-clock and CPU milliseconds per image of `pass` (one call = `images` images) run back to back for
    /// at least `seconds` (and at least 3 calls).
    static func time(_ pass: () -> Void, images: Int, seconds: Double) -> (wall: Double, cpu: Double) {
        let clock = ContinuousClock(), start = clock.now, cpu0 = EngineBench.cpuSeconds()
        var calls = 0, elapsed = 0.0
        repeat {
            pass()
            calls += 1
            let d = clock.now - start
            elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        } while elapsed < seconds || calls < 3
        let cpu = EngineBench.cpuSeconds() - cpu0
        return (elapsed * 1000 / Double(calls * images), cpu * 1000 / Double(calls * images))
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// `m` with every tensor under `prefixes` multiplied by 1 + 0.05·u, u uniform in [−1, 1) from a seeded
    /// SplitMix64: what a fine-tuning of those layers leaves, as far as serving cost goes.
    /// `m` with its classifier cut to the first `k` classes (rows of the weight, entries of the bias).
    static func keepingClasses(_ m: ModelFile, _ k: Int) throws -> ModelFile {
        let out = try m.architecture(as: EfficientNetArchitecture.self).classifier.out
        guard k < out else { return m }
        let json = m.architectureJSON.replacingOccurrences(of: "\"out\":\(out)}", with: "\"out\":\(k)}")
        guard json != m.architectureJSON else { throw BenchError("cannot find the classifier's size in the architecture") }
        let tensors = m.tensors.map { t -> ModelFile.NamedTensor in
            guard t.name.hasPrefix("classifier."), let rows = t.shape.first, rows == out else { return t }
            let per = t.values.count / rows
            return ModelFile.NamedTensor(name: t.name, shape: [k] + t.shape.dropFirst(), values: Array(t.values[..<(k * per)]))
        }
        return try ModelFile(architectureJSON: json, classes: Array(m.classes.prefix(k)), normalization: m.normalization,
                             inputSize: m.inputSize, metadata: m.metadata, tensors: tensors)
    }

    static func perturbed(_ m: ModelFile, _ prefixes: [String]) throws -> ModelFile {
        var state: UInt64 = 15
        func uniform() -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float((z ^ (z >> 31)) >> 40) / Float(1 << 23) - 1
        }
        let tensors = m.tensors.map { t -> ModelFile.NamedTensor in
            guard prefixes.contains(where: { t.name.hasPrefix($0) }) else { return t }
            return ModelFile.NamedTensor(name: t.name, shape: t.shape, values: t.values.map { $0 * (1 + 0.05 * uniform()) })
        }
        return try ModelFile(architectureJSON: m.architectureJSON, classes: m.classes, normalization: m.normalization,
                             inputSize: m.inputSize, metadata: m.metadata, tensors: tensors)
    }
}
