#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Learning

/// `camsift-bench longtail`: the long-tailed Fashion-MNIST benchmark of the learning issue.
///
/// `data --out DIR [--rho 100] [--shape exponential|step] [--order 0,1,...] [--seed S]` builds, from Debian's
/// dataset-fashion-mnist, `DIR/lt` (train set, n_c = ⌊6000·ρ^(−c/9)⌋ per class), `DIR/uniform` (train set,
/// ρ = 1 subsampled to the same total) and `DIR/t10k` (the untouched test set), as JPEG ImageFolders.
///
/// `run --data DIR --camsift BIN --work DIR [--iterations N] [--seeds 1,2,3] [--lanes L] [--runs a,b,...]
/// [--split 90/10/0] [--python P] [--peer-script FILE] [--peer-args "..."]` trains every run through `camsift
/// train` once per training seed (`WORK/seed-S/`), scores each on t10k with one `camsift eval --weight-by DIR/lt`
/// (balanced and deployed views), trains the PyTorch peer runs on the same splits (`LongtailPeer`), and prints one
/// table (the mean over seeds), both engines side by side, and the targets (`LongtailRuns`). Without `--runs` it
/// trains the gated runs; `--runs all` adds the information runs; `--runs a,b` re-runs only those and reads the
/// others back from WORK. `--started EPOCH` (the script's start) times the whole benchmark for target 5.
/// `--plan-only 1` prints how the runs share the lanes (`LongtailSchedule`) and trains nothing.
enum LongtailBench {
    static let root = "/usr/share/datasets/fashion-mnist"

    static func run(_ args: [String]) async throws -> Int32 {
        guard let sub = args.first else {
            print("usage: camsift-bench longtail data|run [options]")
            return 64
        }
        let opts = parse(Array(args.dropFirst()))
        switch sub {
        case "data": return try makeData(opts)
        case "run": return try await LongtailRuns.run(opts)
        default:
            print("camsift-bench longtail: unknown step '\(sub)' (data, run)")
            return 64
        }
    }

    static func parse(_ a: [String]) -> [String: String] {
        var o: [String: String] = [:]
        var i = 0
        while i < a.count {
            if a[i].hasPrefix("--"), i + 1 < a.count { o[String(a[i].dropFirst(2))] = a[i + 1]; i += 2 } else { i += 1 }
        }
        return o
    }

    static func makeData(_ o: [String: String]) throws -> Int32 {
        guard let out = o["out"] else { print("longtail data: --out DIR is required"); return 64 }
        let rho = Double(o["rho"] ?? "100") ?? 100
        let seed = UInt64(o["seed"] ?? "1") ?? 1
        let shape = LongTailProfile.Shape(rawValue: o["shape"] ?? "exponential") ?? .exponential
        let order = o["order"].map { $0.split(separator: ",").compactMap { Int($0) } }
        let images = try IDXFile.read(root + "/train-images-idx3-ubyte.gz")
        let labels = try IDXFile.read(root + "/train-labels-idx1-ubyte.gz")
        let testImages = try IDXFile.read(root + "/t10k-images-idx3-ubyte.gz")
        let testLabels = try IDXFile.read(root + "/t10k-labels-idx1-ubyte.gz")
        let names = LongTailProfile.fashionMNISTClasses
        let y = labels.data.map(Int.init)
        let profile = LongTailProfile(imbalance: rho, maxPerClass: 6000, shape: shape, order: order)
        let lt = profile.select(labels: y, classCount: 10, seed: seed)
        let total = lt.count
        let uniformCounts = (0..<10).map { total / 10 + ($0 < total % 10 ? 1 : 0) }
        let uni = LongTailProfile.select(labels: y, counts: uniformCounts, seed: seed)
        for d in ["lt", "uniform", "t10k"] { try? FileManager.default.removeItem(atPath: out + "/" + d) }
        try LongTailProfile.writeArchive(out + "/lt", images: images, labels: labels, indices: lt, classNames: names)
        try LongTailProfile.writeArchive(out + "/uniform", images: images, labels: labels, indices: uni, classNames: names)
        try LongTailProfile.writeArchive(out + "/t10k", images: testImages, labels: testLabels,
                                         indices: Array(0..<testLabels.data.count), classNames: names)
        print("longtail data: \(out)/lt \(total) images \(profile.counts(classCount: 10)); \(out)/uniform \(uni.count); "
            + "\(out)/t10k \(testLabels.data.count)")
        return 0
    }
}
