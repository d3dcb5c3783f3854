import CamsiftCore
import Foundation
import Learning
import Media
import NN
import Serving

/// The visual path of `camsift-bench tags` end to end (issue 19): 2×2 mosaics of real Fashion-MNIST items (Debian
/// `dataset-fashion-mnist`), tagged with the set of classes present, through the product's two modalities —
/// EfficientNet-Lite0's 1,280 pooled features of the mosaic framed as the daemon frames a camera frame
/// (`ImageNetClassifier`, crop 0.875, 224²) and `ContextFeatures` of a camera and capture time — written as a CSV
/// in yeast's layout (`Att…`, `Class…`) so the same rows, the same splits and the same scikit-learn peer run on it.
///
/// How a mosaic is drawn (all from one seed, fixed before any result was seen):
/// - m ∈ {1, 2, 3} distinct classes with probability 0.3 / 0.4 / 0.3 (camera frames carry a few tags, not ten);
///   the classes drawn without replacement with probability ∝ ρ^(−k/9) for class k (ρ = 20: the head class is
///   drawn 20× as often as the tail class in a single draw; the tag frequencies come out long-tailed);
/// - the 4 cells hold one item of each drawn class and the rest from the drawn classes again, shuffled; items are
///   distinct Fashion-MNIST training images, never reused (no item is in two mosaics, so none crosses a split);
/// - context: one of 4 cameras (2 with coordinates at longitude 0, so solar time is UTC; 1 with a name but no
///   coordinates; 1 with nothing — the *location known* flag is 0 for the last two: the sun features are missing,
///   not zero-filled silently), a day of 2026 uniformly, and an hour that correlates weakly with one tag: a mosaic
///   holding a coat (class 4) is taken at night (20:00–06:00) with probability 0.6, any other mosaic at a uniform
///   hour (night share 0.42).
enum TagsMosaic {
    static let root = "/usr/share/datasets/fashion-mnist"
    static let classes = ["tshirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]

    struct Options {
        var count = 1500
        var rho = 20.0
        var seed: UInt64 = 19
        var backbone = "weights/effnet-lite0-imagenet.csm"
        var threads = 2
    }

    static let cameras: [Camera] = [
        Camera(id: "quay", kind: .snapshot, url: "", interval: 0, location: .init(lat: 51.48, lon: 0, name: "Quay street"),
               tags: ["street", "outdoor"]),
        Camera(id: "market", kind: .snapshot, url: "", interval: 0, location: .init(lat: 9.5, lon: 0, name: "Market hall"),
               tags: ["market", "indoor"], aggregator: "city"),
        Camera(id: "shop", kind: .snapshot, url: "", interval: 0, location: .init(name: "Shop window"), tags: ["shop"]),
        Camera(id: "bare", kind: .snapshot, url: "", interval: 0),
    ]

    /// Draws the mosaics, computes both modalities, and writes `csv`. Returns what the log reports.
    static func build(_ o: Options, csv: String) throws -> String {
        let x = try IDXFile.read(root + "/train-images-idx3-ubyte.gz"), y = try IDXFile.read(root + "/train-labels-idx1-ubyte.gz")
        let side = x.dims[1]
        var pools = [[Int]](repeating: [], count: 10)
        for (i, c) in y.data.enumerated() { pools[Int(c)].append(i) }
        var rng = SeededGenerator(seed: o.seed, stream: "tags-mosaic")
        for c in pools.indices { rng.shuffle(&pools[c]) }
        let weight = (0..<10).map { Foundation.pow(o.rho, -Double($0) / 9) }

        var frames: [DecodedFrame] = [], sets: [[Int]] = [], context: [[Float]] = []
        var night = 0, missing = 0
        for _ in 0..<o.count {
            let u = rng.unit()
            let m = u < 0.3 ? 1 : (u < 0.7 ? 2 : 3)
            var chosen: [Int] = []
            while chosen.count < m {
                let w = (0..<10).map { chosen.contains($0) ? 0 : weight[$0] }
                var r = rng.unit() * w.reduce(0, +), k = 0
                while k < 9 && r >= w[k] { r -= w[k]; k += 1 }
                if w[k] == 0 { k = w.lastIndex { $0 > 0 }! }
                chosen.append(k)
            }
            var cells = chosen
            while cells.count < 4 { cells.append(chosen[Int(rng.unit() * Double(chosen.count)) % chosen.count]) }
            rng.shuffle(&cells)
            var rgb = [UInt8](repeating: 0, count: 4 * side * side * 3)
            for (q, c) in cells.enumerated() {
                guard let item = pools[c].popLast() else {
                    throw LearningError(.badArgument, "tags mosaic: class \(c) ran out of Fashion-MNIST items; lower --mosaics")
                }
                let ox = (q % 2) * side, oy = (q / 2) * side
                for r in 0..<side {
                    for col in 0..<side {
                        let v = x.data[item * side * side + r * side + col]
                        let p = ((oy + r) * 2 * side + ox + col) * 3
                        rgb[p] = v; rgb[p + 1] = v; rgb[p + 2] = v
                    }
                }
            }
            frames.append(DecodedFrame(width: 2 * side, height: 2 * side, rgb: rgb))
            sets.append(chosen.sorted())
            let camera = cameras[Int(rng.unit() * Double(cameras.count)) % cameras.count]
            let atNight = chosen.contains(4) ? rng.unit() < 0.6 : false
            let hour = atNight ? (20 + rng.unit() * 10).truncatingRemainder(dividingBy: 24) : rng.unit() * 24
            if hour >= 20 || hour < 6 { night += 1 }
            // 2026-01-01T00:00:00Z + a uniform day + the hour (longitude 0 or unknown: the context's hour is UTC).
            let wall = 1_767_225_600 + Double(Int(rng.unit() * 365)) * 86_400 + hour * 3600
            if camera.location?.lat == nil { missing += 1 }
            context.append(ContextFeatures.vector(camera: camera, at: wall))
        }

        NNThreads.set(o.threads)
        let net: ImageNetClassifier
        do { net = try ImageNetClassifier(path: o.backbone, threads: o.threads) } catch {
            throw LearningError(.badArgument, "tags mosaic: cannot load \(o.backbone) (\(error)); run `make weights`")
        }
        let t0 = Monotonic.nanoseconds()
        var visual: [Float] = []
        visual.reserveCapacity(frames.count * net.featureCount)
        var start = 0
        while start < frames.count {
            var f: [Float] = []
            // Framed as the JPEG path frames a camera frame (crop 0.875, the same resampler), then one pass.
            _ = try net.classify(frames[start..<min(start + 16, frames.count)].map { $0.refitted(to: net.geometry) }, features: &f)
            visual += f
            start += 16
        }
        let ms = Double(Monotonic.nanoseconds() - t0) / 1e6 / Double(frames.count)

        let d = net.featureCount, e = ContextFeatures.count
        var text = ((1...(d + e)).map { "Att\($0)" } + (1...10).map { "Class\($0)" }).joined(separator: ",") + "\n"
        text.reserveCapacity(frames.count * (d + e) * 10)
        for i in frames.indices {
            var fields = visual[(i * d)..<((i + 1) * d)].map { String(describing: $0) }
            fields += context[i].map { String(describing: $0) }
            fields += (0..<10).map { sets[i].contains($0) ? "1" : "0" }
            text += fields.joined(separator: ",") + "\n"
        }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)

        var freq = [Int](repeating: 0, count: 10)
        for s in sets { for c in s { freq[c] += 1 } }
        return "mosaic: \(o.count) mosaics (2×2 of 28² Fashion-MNIST training items, \(4 * o.count) distinct items) from seed \(o.seed), "
            + "ρ = \(o.rho); tag frequencies " + zip(classes, freq).map { "\($0) \($1)" }.joined(separator: ", ")
            + String(format: "; label cardinality %.2f, %d distinct tag sets", Double(sets.map(\.count).reduce(0, +)) / Double(o.count), Set(sets).count)
            + "\nmosaic: visual = EfficientNet-Lite0 pooled features (\(d)), crop 0.875 → 224², \(o.threads) threads: "
            + String(format: "%.2f ms per mosaic", ms)
            + "; context = ContextFeatures (\(e)): \(night) mosaics at night (20–06 h), \(missing) with the location missing"
    }
}
