import CamsiftCore
import Foundation
import Media

/// Pooled backbone features of archive images kept on disk between trainings (`camsift train --feature-cache
/// DIR`): level-1 transfer and the companion member spend nearly all their time in the frozen backbone, and the
/// operator's loop retrains on an archive that is mostly the same images as last time — with the store only new
/// images (and new augmentation draws) pay for a backbone pass.
///
/// One directory per namespace: the backbone's weights (`BackboneDigest`: every tensor but the classifier, so a
/// level-1 bundle's companion file names the same features as the ImageNet file it was trained from), the
/// framing geometry, the augmentation and the number of draws, so a different backbone, input or recipe never
/// reads another's values. Training's clean draws (reference and test splits) and `camsift eval --feature-cache`
/// share one namespace (`clean(geometry:)`).
/// Each image's draws live in one file named by the SHA-256 of the image bytes: a relabelled or moved image keeps
/// its features, an edited one gets new ones. Files are written atomically (`AtomicFile`); a file of the wrong
/// size is recomputed and replaced.
struct FeatureStore {
    let directory: String
    let floatsPerImage: Int

    /// The namespace of `draws` draws per image at `geometry` with `augmentation` (draw 0 clean, so one draw is
    /// the clean namespace whatever the augmentation).
    static func namespace(geometry: InputGeometry, draws: Int, augmentation: Augmentation) -> String {
        "level 1, \(geometry), \(draws) draw(s), augmentation \(draws <= 1 ? Augmentation.none : augmentation)"
    }

    /// The namespace of one clean draw per image: what scoring reads.
    static func clean(geometry: InputGeometry) -> String { namespace(geometry: geometry, draws: 1, augmentation: .none) }

    /// - Parameters:
    ///   - root: the `--feature-cache` directory (created when missing).
    ///   - digest: `BackboneDigest` of the backbone (or of any level-1 model trained on it).
    ///   - namespace: everything else the values depend on (`namespace(geometry:draws:augmentation:)`).
    init(root: String, digest: String, namespace: String, floatsPerImage: Int) throws {
        let key = SHA256.hex(SHA256.hash(Array((digest + "\n" + namespace).utf8)))
        directory = root + "/" + key.prefix(24)
        self.floatsPerImage = floatsPerImage
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw LearningError(.io, "cannot create the feature cache '\(directory)': \(error); pass a writable --feature-cache")
        }
        let readme = directory + "/namespace.txt"
        if !FileManager.default.fileExists(atPath: readme) {
            try? AtomicFile.write(Array("backbone \(digest)\n\(namespace)\n".utf8), to: readme)
        }
    }

    private func path(_ image: [UInt8]) -> String { directory + "/" + SHA256.hex(image) + ".f32" }

    /// The stored values for the image whose bytes hash to `image`, or nil.
    func load(_ image: [UInt8]) -> [Float]? {
        guard let d = FileManager.default.contents(atPath: path(image)), d.count == floatsPerImage * 4 else { return nil }
        return d.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// The values of the images whose bytes hash to `keys`, `floatsPerImage` each, in order: read from `store`
    /// where it has them, the others from `compute` (given their positions in `keys`, ascending; it returns their
    /// values in that order), which are then kept. Without a store every image is computed. Training's draws
    /// (`FeatureCache`) and eval's clean companion features (`EvaluationSession`) both come through here, so one
    /// rule decides what is read, computed and kept.
    static func values(_ store: FeatureStore?, keys: [[UInt8]], floatsPerImage k: Int,
                       compute: (_ missing: [Int]) throws -> [Float]) throws -> [Float] {
        guard let store else { return try compute(Array(keys.indices)) }
        precondition(store.floatsPerImage == k, "FeatureStore: \(store.floatsPerImage) floats per image, asked for \(k)")
        var out = [Float](repeating: 0, count: keys.count * k)
        var missing: [Int] = []
        for (i, key) in keys.enumerated() {
            if let f = store.load(key) { out.replaceSubrange(i * k..<(i + 1) * k, with: f) } else { missing.append(i) }
        }
        guard !missing.isEmpty else { return out }
        let computed = try compute(missing)
        precondition(computed.count == missing.count * k, "FeatureStore: computed \(computed.count) floats for \(missing.count) images")
        for (j, i) in missing.enumerated() {
            let f = computed[j * k..<(j + 1) * k]
            out.replaceSubrange(i * k..<(i + 1) * k, with: f)
            store.save(keys[i], f)
        }
        return out
    }

    /// Writes through a temporary file and a rename (no fsync: a cache entry lost to a crash is recomputed, and
    /// a short one fails the size check).
    func save(_ image: [UInt8], _ values: ArraySlice<Float>) {
        precondition(values.count == floatsPerImage)
        // A failed write costs a recomputation next time, never the training.
        try? values.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: path(image)), options: .atomic)
    }
}
