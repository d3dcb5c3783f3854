import CamsiftCore
import NN
import Serving

/// What both low-level trainings share (issue 20): archive images through the daemon's own decode path
/// (`ArchiveImage`: Media's JPEG decoder at a model geometry) to raw low-level features, PCA fitted on the
/// training split, and the Table III network's training loop (Adam, softmax cross-entropy).
enum LowLevelData {
    /// Raw low-level features (`LowLevelClassifier.rawFeatures`) of archive images decoded at `geometry`, and,
    /// when `classify` is given, its labels for the same decoded frames (chunks of 16, the daemon's batch; with
    /// the same images decoded again at `companion`, a main model's companion geometry, as the daemon does).
    static func features(paths: [String], geometry: InputGeometry, side: Int, companion: InputGeometry? = nil,
                         classify: (([DecodedFrame], [DecodedFrame]?) throws -> [Int])? = nil) throws -> (raw: [[Float]], labels: [Int]) {
        let image = try ArchiveImage()
        var raw: [[Float]] = []
        var labels: [Int] = []
        raw.reserveCapacity(paths.count)
        var start = 0
        while start < paths.count {
            let chunk = paths[start..<min(paths.count, start + 16)]
            // Each file read once, decoded at the geometry and, for a companion member, at its own.
            let bytes = try chunk.map { try ArchiveImage.bytes(path: $0) }
            let frames = try zip(bytes, chunk).map { try image.frame(bytes: $0, path: $1, geometry: geometry) }
            for f in frames { raw.append(LowLevelClassifier.rawFeatures(f, side: side)) }
            if let classify {
                let second = try companion.map { g in try zip(bytes, chunk).map { try image.frame(bytes: $0, path: $1, geometry: g) } }
                labels += try classify(frames, second)
            }
            start += chunk.count
        }
        return (raw, labels)
    }

    /// PCA to 324 values fitted on `train` (`PrincipalComponents.fit`, LAPACK `ssyevd_`) and its scale.
    static func pca(_ train: [[Float]]) throws -> (PrincipalComponents, Float) {
        guard let d = train.first?.count, train.count >= 2 else {
            throw LearningError(.badArchive, "low-level training needs at least 2 training images, got \(train.count)")
        }
        let p: PrincipalComponents
        do { p = try PrincipalComponents.fit(train.flatMap { $0 }, rows: train.count, dimensions: d) } catch {
            throw LearningError(.badArgument, "PCA of the low-level features failed: \(error)")
        }
        return (p, LowLevelClassifier.scale(for: p))
    }

    /// One optimiser step per batch (indices into `inputs`) on the Table III network.
    static func train(_ model: Sequential, inputs: [[Float]], labels: [Int], batches: [[Int]],
                      learningRate: Float) throws {
        let optimizer = Adam(model, learningRate: learningRate)
        let loss = SoftmaxCrossEntropy()
        let side = LowLevelCNN.inputSide, d = side * side
        for batch in batches where !batch.isEmpty {
            let x = Tensor(shape: Shape(n: batch.count, c: 1, h: side, w: side),
                           values: batch.flatMap { inputs[$0] })
            precondition(x.count == batch.count * d)
            optimizer.zeroGrad()
            try loss.forward(try model.forward(x, training: true), labels: batch.map { labels[$0] })
            _ = try model.backward(try loss.backward())
            optimizer.step()
        }
    }

    /// Shuffled passes over `count` samples cut into batches of `size` (the last batch of a pass may be short).
    static func shuffledBatches(count: Int, size: Int, passes: Int, rng: inout SeededGenerator) -> [[Int]] {
        var out: [[Int]] = []
        for _ in 0..<passes {
            var order = Array(0..<count)
            rng.shuffle(&order)
            var s = 0
            while s < count { out.append(Array(order[s..<min(count, s + size)])); s += size }
        }
        return out
    }

    /// Writes `classifier` into `dir` as `<prefix>-<hash>.csm` (temp file, content hash, rename) and returns the name.
    static func writeModel(_ classifier: LowLevelClassifier, dir: String, prefix: String,
                           metadata: [String: String]) throws -> String {
        let tmp = dir + "/.\(prefix)-new.csm"
        do { try classifier.write(path: tmp, metadata: metadata) } catch {
            throw LearningError(.io, "cannot write the low-level model into '\(dir)': \(error)")
        }
        let name = "\(prefix)-\(try TrainingSession.shortHash(tmp)).csm"
        guard rename(tmp, dir + "/" + name) == 0 else {
            throw LearningError(.io, "cannot rename '\(tmp)' into the bundle (errno \(errno))")
        }
        return name
    }
}

#if canImport(Glibc)
import Glibc
#endif
