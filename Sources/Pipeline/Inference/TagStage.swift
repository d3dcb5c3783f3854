import CamsiftCore
import Serving
import Synchronization

/// Tags for each classified frame (issue 19): the served tags model (`TagClassifier`, the label-powerset SVM)
/// on the frame's modalities — the pooled backbone features from the classifying pass itself (`FeatureSource`)
/// and `ContextFeatures` of its camera (registry tags, location, aggregator, sun) at its capture time. A camera
/// the lookup does not know gets the context of a camera without metadata (location marked missing). A reused
/// result keeps the tags of the frame it reuses (the frame did not change).
///
/// A tags model trained on another backbone's features is skipped with one warning naming the fix.
final class TagStage: @unchecked Sendable {
    private let lookup = Mutex<(@Sendable (String) -> Camera?)?>(nil)
    private var warned: Set<String> = []   // inference thread only
    private var row: [Float] = []

    func setLookup(_ l: @escaping @Sendable (String) -> Camera?) { lookup.withLock { $0 = l } }

    /// `tags` when it reads this source's features, else nil (warned once per pair of versions).
    func usable(_ tags: TagClassifier, source: any FeatureSource, features: Int, frames: Int) -> TagClassifier? {
        let fc = source.featureCount
        guard fc > 0, features == frames * fc else { return nil }
        guard tags.backbone == source.backboneDigest, tags.featureCount == fc + ContextFeatures.count else {
            if warned.insert(tags.version + "/" + source.version).inserted {
                OperationalLog.warning("tags", "tags model \(tags.version) was trained on backbone \(tags.backbone) "
                    + "(\(tags.featureCount) features) but the serving model \(source.version) has backbone "
                    + "\(source.backboneDigest.isEmpty ? "none" : source.backboneDigest): no tags until they match — "
                    + "retrain it with `camsift train --tags`, or serve a bundle that keeps the ImageNet backbone frozen")
            }
            return nil
        }
        return tags
    }

    func tags(_ model: TagClassifier, features: [Float], row k: Int, camera id: String, wall: Double) -> [ClassificationRecord.LabelScore] {
        let fc = model.featureCount - ContextFeatures.count
        let camera = lookup.withLock { $0 }?(id) ?? Camera(id: id, kind: .snapshot, url: "", interval: 0)
        row.removeAll(keepingCapacity: true)
        row.append(contentsOf: features[(k * fc)..<((k + 1) * fc)])
        row.append(contentsOf: ContextFeatures.vector(camera: camera, at: wall))
        return row.withUnsafeBufferPointer { model.tags($0) }.map { .init(label: $0.tag, score: $0.score) }
    }
}
