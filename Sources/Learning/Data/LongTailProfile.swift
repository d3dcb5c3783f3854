import CamsiftCore
import Foundation
import Media

/// Long-tailed subsets of a balanced dataset (Cui et al. 2019's exponential profile, as the benchmark uses):
/// class c of C keeps n_c = ⌊n_max · ρ^(−c/(C−1))⌋ images, so the head class has n_max and the tail n_max/ρ.
/// ρ = 100, n_max = 6000, C = 10 gives 6000 … 60, 14,886 images. A `step` profile keeps n_max for the first
/// half of the classes and n_max/ρ for the rest.
public struct LongTailProfile: Sendable {
    public enum Shape: String, Sendable { case exponential, step }
    public var imbalance: Double
    public var maxPerClass: Int
    public var shape: Shape
    /// Which class (by original index) is the c-th most frequent; identity = class order as published.
    public var order: [Int]?

    public init(imbalance: Double, maxPerClass: Int, shape: Shape = .exponential, order: [Int]? = nil) {
        self.imbalance = imbalance
        self.maxPerClass = maxPerClass
        self.shape = shape
        self.order = order
    }

    /// n per original class index.
    public func counts(classCount k: Int) -> [Int] {
        var byRank = (0..<k).map { c -> Int in
            switch shape {
            case .exponential:
                return Int((Double(maxPerClass) * pow(imbalance, -Double(c) / Double(max(k - 1, 1)))).rounded(.down))
            case .step:
                return c < k / 2 ? maxPerClass : Int((Double(maxPerClass) / imbalance).rounded(.down))
            }
        }
        guard let order else { return byRank }
        var out = [Int](repeating: 0, count: k)
        for (rank, cls) in order.enumerated() { out[cls] = byRank[rank] }
        byRank = out
        return byRank
    }

    /// Picks, per class, the first `counts[c]` indices of a seeded shuffle of that class's images.
    public func select(labels: [Int], classCount: Int, seed: UInt64) -> [Int] {
        Self.select(labels: labels, counts: counts(classCount: classCount), seed: seed)
    }

    /// Picks, per class c, the first `counts[c]` indices of a seeded shuffle of that class's images.
    public static func select(labels: [Int], counts want: [Int], seed: UInt64) -> [Int] {
        let classCount = want.count
        var rng = SeededGenerator(seed: seed, stream: "longtail")
        var out: [Int] = []
        for c in 0..<classCount {
            var idx = labels.indices.filter { labels[$0] == c }
            rng.shuffle(&idx)
            out += idx.prefix(want[c])
        }
        return out.sorted()
    }

    /// Writes images (u8 gray, `height`×`width` each) as `DIR/<className>/fm<index>.jpg`.
    public static func writeArchive(_ dir: String, images: IDXFile, labels: IDXFile, indices: [Int],
                                    classNames: [String]) throws {
        let h = images.dims[1], w = images.dims[2]
        let fm = FileManager.default
        for name in classNames { try fm.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true) }
        for i in indices {
            let px = Array(images.data[(i * h * w)..<((i + 1) * h * w)])
            let jpg = try TrainingImageCodec.encode(pixels: px, channels: 1, height: h, width: w, quality: 95)
            let path = "\(dir)/\(classNames[Int(labels.data[i])])/fm\(String(format: "%05d", i)).jpg"
            guard fm.createFile(atPath: path, contents: Data(jpg)) else {
                throw LearningError(.io, "cannot write '\(path)'; check free space and permissions")
            }
        }
    }

    /// Fashion-MNIST class names in published order, prefixed with their index so folders sort in that order.
    /// Where Debian's `dataset-fashion-mnist` puts the IDX files.
    public static let fashionMNISTRoot = "/usr/share/datasets/fashion-mnist"

    /// A seeded subset of Fashion-MNIST's t10k as an ImageFolder archive: `counts[c]` images of class c, and
    /// folders only for those classes (tests, the soak bench and examples build their archives this way).
    public static func writeFashionMNISTSubset(_ dir: String, counts: [Int: Int], seed: UInt64,
                                               dataset: String = fashionMNISTRoot) throws {
        let images = try IDXFile.read(dataset + "/t10k-images-idx3-ubyte.gz")
        let labels = try IDXFile.read(dataset + "/t10k-labels-idx1-ubyte.gz")
        var want = [Int](repeating: 0, count: fashionMNISTClasses.count)
        for (c, n) in counts { want[c] = n }
        let pick = select(labels: labels.data.map(Int.init), counts: want, seed: seed)
        try writeArchive(dir, images: images, labels: labels, indices: pick, classNames: fashionMNISTClasses)
        for (c, name) in fashionMNISTClasses.enumerated() where want[c] == 0 {
            try FileManager.default.removeItem(atPath: dir + "/" + name)
        }
    }

    public static let fashionMNISTClasses = ["0-tshirt-top", "1-trouser", "2-pullover", "3-dress", "4-coat",
                                             "5-sandal", "6-shirt", "7-sneaker", "8-bag", "9-ankle-boot"]
}
