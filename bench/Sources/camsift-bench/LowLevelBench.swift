import CamsiftCore
import Foundation
import Learning
import Media
import NN
import Serving

/// `make bench-lowlevel` (issue 20): the method of Yan, Chen, Shyu, Chen ("Deep Learning for Imbalanced
/// Multimedia Data Classification") on Fashion-MNIST, each class in turn as the binary concept.
///
/// Per concept: positives are 540 seeded images of the class (P/N ≈ 1 %), negatives the other classes' 54,000
/// training images; batches of s = 1,080 (twice the positives, the paper's setting), r = 1. Features: the
/// concatenated low-level vector (`LowLevelFeatures`: Haar-like, HOG with 7-px cells and 2×2-cell blocks on the
/// 28-px images, HSV, YCbCr, CEDD — the colour families are constant on grey images and PCA drops them) → PCA
/// fitted on the 60,000 training images → 324 values scaled so their mean variance is 1 (the scale is camsift's
/// choice; the paper does not give one) → the Table III network (`LowLevelCNN`, sigmoid activations, softmax
/// cross-entropy, Adam). Rows, all with the same number of steps (I iterations × N = 100 batches):
/// - `table-i`: Table I's bootstrapped batches (`BootstrappedBatches`);
/// - `plain`: shuffled batches of the 54,540 training images;
/// - `weighted`: plain batches, loss weighted by inverse class frequency;
/// - `balanced`: the existing class-balanced sampler (`SamplerKind.balanced`) cut into batches of 1,080.
/// Test: t10k's 9,000 negatives with the class's 1,000 positives subsampled to 90 (1 %), 10 seeded draws;
/// recall, precision, F1 at the arg-max decision and average precision of the positive softmax score, means over
/// the draws. Targets: recall above plain on ≥ 9 of 10 concepts, F1 ≥ plain's on ≥ 7 of 10.
enum LowLevelBench {
    static let root = "/usr/share/datasets/fashion-mnist"
    static let rows = ["table-i", "plain", "weighted", "balanced"]

    struct Options {
        var iterations = 2
        var seed: UInt64 = 1
        var concepts = Array(0..<10)
        var learningRate: Float = 1e-3
    }

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var i = 0
        while i + 1 < args.count {
            let v = args[i + 1]
            switch args[i] {
            case "--iterations": o.iterations = Int(v) ?? o.iterations
            case "--seed": o.seed = UInt64(v) ?? o.seed
            case "--concepts": o.concepts = v.split(separator: ",").compactMap { Int($0) }
            case "--lr": o.learningRate = Float(v) ?? o.learningRate
            default: break
            }
            i += 2
        }
        return o
    }

    /// Images (28×28 grey as RGB frames) and labels of one IDX pair.
    static func load(_ images: String, _ labels: String) throws -> ([DecodedFrame], [Int]) {
        let x = try IDXFile.read(images), y = try IDXFile.read(labels)
        let n = x.dims[0], side = x.dims[1]
        let frames = (0..<n).map { i in
            DecodedFrame(width: side, height: side,
                         rgb: x.data[(i * side * side)..<((i + 1) * side * side)].flatMap { [$0, $0, $0] })
        }
        return (frames, y.data.map(Int.init))
    }

    static let extractor = LowLevelFeatures(hog: HOGDescriptor(orientations: 9, pixelsPerCell: 7, cellsPerBlock: 2),
                                            cedd: CEDDDescriptor(gridSide: 14))

    /// Row-major features of every frame (in parallel over the cores).
    static func features(_ frames: [DecodedFrame]) -> [Float] {
        let d = extractor.featureCount(width: 28, height: 28)
        let out = UnsafeMutableBufferPointer<Float>.allocate(capacity: frames.count * d)
        defer { out.deallocate() }
        let chunks = 16
        NNThreads.parallelFor(chunks) { c in
            for i in stride(from: c, to: frames.count, by: chunks) {
                let f = extractor.features(frames[i])
                for j in 0..<d { out[i * d + j] = f[j] }
            }
        }
        return Array(out)
    }

    static func run(_ args: [String]) async throws -> Int32 {
        let o = parse(args)
        try timeColourFrames()
        NNThreads.set(2)
        let clock = ContinuousClock()
        let t0 = clock.now
        let (trainFrames, trainLabels) = try load(root + "/train-images-idx3-ubyte.gz", root + "/train-labels-idx1-ubyte.gz")
        let (testFrames, testLabels) = try load(root + "/t10k-images-idx3-ubyte.gz", root + "/t10k-labels-idx1-ubyte.gz")
        let d = extractor.featureCount(width: 28, height: 28)
        let trainRaw = features(trainFrames), testRaw = features(testFrames)
        let tFeatures = clock.now
        let pca = try PrincipalComponents.fit(trainRaw, rows: trainFrames.count, dimensions: d)
        let scale = 1 / (pca.variances.reduce(0, +) / Float(PrincipalComponents.paperDimensions)).squareRoot()
        func project(_ raw: [Float], _ n: Int) -> [Float] {
            var out = [Float](); out.reserveCapacity(n * 324)
            for i in 0..<n { out += pca.project(Array(raw[(i * d)..<((i + 1) * d)])).map { $0 * scale } }
            return out
        }
        let train = project(trainRaw, trainFrames.count), test = project(testRaw, testFrames.count)
        let tPCA = clock.now
        print("lowlevel: \(trainFrames.count) + \(testFrames.count) images, \(d) features → 324 (PCA, "
            + "\(pca.componentCount) components); features \(seconds(tFeatures - t0)) s, PCA \(seconds(tPCA - tFeatures)) s")
        print("lowlevel: per concept 540 positives, 54,000 negatives, s = 1,080, r = 1, I = \(o.iterations) "
            + "(\(o.iterations * 100) steps per row), test t10k with positives at 1 % (10 draws)")
        var results: [String: [LowLevelRuns.Scores]] = [:]
        let header = "concept".padding(toLength: 13, withPad: " ", startingAt: 0)
            + rows.map { "\($0): R / P / F1 / AP".padding(toLength: 34, withPad: " ", startingAt: 0) }.joined()
        print(header)
        for c in o.concepts {
            let runs = LowLevelRuns(concept: c, train: train, trainLabels: trainLabels, test: test,
                                    testLabels: testLabels, iterations: o.iterations, seed: o.seed,
                                    learningRate: o.learningRate)
            var line = LongTailProfile.fashionMNISTClasses[c].padding(toLength: 13, withPad: " ", startingAt: 0)
            for row in rows {
                let s = try runs.run(row)
                results[row, default: []].append(s)
                line += String(format: "%.3f / %.3f / %.3f / %.3f", s.recall, s.precision, s.f1, s.ap)
                    .padding(toLength: 34, withPad: " ", startingAt: 0)
            }
            print(line)
        }
        let n = o.concepts.count
        func mean(_ row: String, _ key: KeyPath<LowLevelRuns.Scores, Double>) -> Double {
            (results[row] ?? []).map { $0[keyPath: key] }.reduce(0, +) / Double(max(1, n))
        }
        for row in rows {
            print(String(format: "mean %-9@ recall %.3f precision %.3f F1 %.3f AP %.3f", row, mean(row, \.recall),
                         mean(row, \.precision), mean(row, \.f1), mean(row, \.ap)))
        }
        let ours = results["table-i"] ?? [], plain = results["plain"] ?? []
        let recallWins = zip(ours, plain).filter { $0.recall > $1.recall }.count
        let f1Wins = zip(ours, plain).filter { $0.f1 >= $1.f1 }.count
        print("lowlevel: total \(seconds(clock.now - t0)) s")
        var verdicts = Verdicts()
        let needRecall = Int((Double(n) * 0.9).rounded(.up)), needF1 = Int((Double(n) * 0.7).rounded(.up))
        verdicts.check(recallWins >= needRecall, "lowlevel Table I recall above plain batches",
                       "\(recallWins) of \(n) concepts", vs: "≥ \(needRecall)")
        verdicts.check(f1Wins >= needF1, "lowlevel Table I F1 ≥ plain batches", "\(f1Wins) of \(n) concepts",
                       vs: "≥ \(needF1)")
        return verdicts.exitCode
    }

    /// Informational: the low-level vector (default settings) on real colour frames from Debian opencv-doc,
    /// decoded to `side` × `side`, in CPU-µs per frame on one thread (the cascade's cost target is
    /// `make bench-cascade`'s).
    static func timeColourFrames() throws {
        let dir = "/usr/share/doc/opencv-doc/examples/data/"
        let files = ["aero1.jpg", "apple.jpg", "HappyFish.jpg", "baboon.jpg", "fruits.jpg"]
            .filter { FileManager.default.fileExists(atPath: dir + $0) }
        guard !files.isEmpty else { print("lowlevel: no opencv-doc JPEGs; colour timing skipped"); return }
        let decoder = try JPEGDecoder()
        for side in [64, 224] {
            let frames = try files.map { f in
                try [UInt8](FileManager.default.contents(atPath: dir + f)!).withUnsafeBytes {
                    try decoder.decode($0, width: side, height: side, fit: .crop)
                }
            }
            let extractor = LowLevelFeatures()
            var sink: Float = 0
            let rounds = side == 64 ? 40 : 4
            let start = clock()
            for _ in 0..<rounds { for f in frames { sink += extractor.features(f).reduce(0, +) } }
            let perFrame = Double(clock() - start) / Double(CLOCKS_PER_SEC) / Double(rounds * frames.count) * 1e6
            print(String(format: "lowlevel: colour frames %d×%d (%d opencv-doc JPEGs): %d features, %.0f CPU-µs per frame%@",
                         side, side, frames.count, extractor.featureCount(width: side, height: side), perFrame,
                         sink.isNaN ? " (NaN!)" : ""))
            let families: [(String, (DecodedFrame) -> [Float])] = [
                ("haar", extractor.haar.features), ("hog", extractor.hog.features), ("hsv", extractor.hsv.features),
                ("ycbcr", extractor.ycbcr.features), ("cedd", extractor.cedd.features)]
            let parts = families.map { name, f -> String in
                let t = clock()
                for _ in 0..<rounds { for frame in frames { sink += f(frame).first ?? 0 } }
                return String(format: "%@ %.0f", name, Double(clock() - t) / Double(CLOCKS_PER_SEC)
                              / Double(rounds * frames.count) * 1e6)
            }
            print("lowlevel:   per family (CPU-µs): " + parts.joined(separator: ", "))
        }
    }

    static func seconds(_ d: Duration) -> String {
        String(format: "%.1f", Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
    }
}
