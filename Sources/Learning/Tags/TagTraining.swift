import CamsiftCore
import Foundation
import Serving

/// `camsift train --tags`: a tags model from multi-tag labels (issue 19). `ARCHIVE/labels.csv` rows
/// `path,tag1;tag2;…` (paths relative to the archive; ImageFolder stays single-label). Each image's feature row is
/// the modalities a frame has at serving time, in `TagClassifier`'s layout: the backbone's pooled features
/// (visual; the image framed as the daemon frames camera frames) and `ContextFeatures` of the camera and capture
/// time read from the archive path `…/<camera>/<YYYY-MM-DD>/<time>.jpg` (`FrameArchiver`'s layout) with the
/// registry's camera — an image without them gets the context modality marked missing. Audio is not in the
/// archive, so the frame-level model has no audio modality (it would be missing for every archived image).
///
/// Algorithm 1's classifier: label powerset + linear SVM (C = 0.9) weighted by δ (mean over a combination's
/// concepts, tempered by α = 0.5, the middle of what bench-tags picked on validation). The random-forest ranking
/// and RFE are the benchmark's (`make bench-tags`); here every feature is kept (1,319 columns; RFE over them is
/// minutes of retraining per drop). Held-out 25 % of the images (seeded) give the report's multi-label metrics.
public enum TagTraining {
    public struct Options: Sendable {
        public var archive: String
        public var out: String
        public var backbone: String
        public var cameras: [String: Camera] = [:]
        public var seed: UInt64 = 1
        public var threads = 1
        public var testFraction = 0.25
        public init(archive: String, out: String, backbone: String) {
            self.archive = archive
            self.out = out
            self.backbone = backbone
        }
    }

    public struct Report: Sendable {
        public var tagNames: [String]
        public var images: Int
        public var testImages: Int
        public var combinations: Int
        public var metrics: MultiLabelMetrics?
        public var modelPath: String
    }

    /// `labels.csv` rows with their tag sets (`TagLabels`: tags trimmed, empty ones dropped); errors name the line.
    public static func readLabels(_ archive: String) throws -> [(path: String, tags: [String])] {
        let csv = archive + "/labels.csv"
        guard let data = FileManager.default.contents(atPath: csv) else {
            throw LearningError(.badArgument, "no \(csv): list tagged images as rows path,tag1;tag2 (e.g. "
                + "unlabeled/gate/2026-12-07/2026-12-07T10-00-00.000Z.jpg,snow;night)")
        }
        do {
            return try TagLabels.parse(String(decoding: data, as: UTF8.self)).rows.map { ($0.path, $0.tags) }
        } catch {
            throw LearningError(.badArgument, "\(csv):\(error.line): \(error.message)")
        }
    }

    /// Camera id and capture time from `…/<camera>/<YYYY-MM-DD>/<time>.jpg`, when the path has that shape.
    public static func cameraAndTime(_ path: String) -> (camera: String, wall: Double)? {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 3, let name = parts.last, name.hasSuffix(".jpg"),
              let wall = Timestamp.parseRFC3339(String(name.dropLast(4))), parts[parts.count - 2].count == 10 else { return nil }
        return (parts[parts.count - 3], wall)
    }

    /// The context modality of an archived image (missing: zeros, `locationKnown` 0).
    public static func context(_ path: String, cameras: [String: Camera]) -> [Float] {
        guard let (id, wall) = cameraAndTime(path) else { return [Float](repeating: 0, count: ContextFeatures.count) }
        let camera = cameras[id] ?? Camera(id: id, kind: .snapshot, url: "", interval: 0)
        return ContextFeatures.vector(camera: camera, at: wall)
    }

    public static func run(_ o: Options, log: @escaping (String) -> Void = { _ in }) throws -> Report {
        let rows = try readLabels(o.archive)
        let tagNames = Array(Set(rows.flatMap(\.tags))).sorted()
        guard rows.count >= 4, tagNames.count >= 2 else {
            throw LearningError(.badArgument, "\(o.archive)/labels.csv has \(rows.count) tagged image(s) and "
                + "\(tagNames.count) tag(s); a tags model needs at least 4 images and 2 tags")
        }
        let net: ImageNetClassifier
        do { net = try ImageNetClassifier(path: o.backbone, threads: o.threads) } catch {
            throw LearningError(.badArgument, "cannot load the backbone '\(o.backbone)': \(error); pass --backbone "
                + "weights/effnet-lite0-imagenet.csm (make weights)")
        }
        let visual = try ClipFeatures(classifier: net).features(rows.map { o.archive + "/" + $0.path }, draw: nil)
        let f = net.featureCount
        let features: [[Double]] = rows.enumerated().map { i, r in
            (visual[(i * f)..<((i + 1) * f)] + context(r.path, cameras: o.cameras)).map(Double.init)
        }
        let sets = rows.map { Set($0.tags.map { tagNames.firstIndex(of: $0)! }) }
        var rng = SeededGenerator(seed: o.seed, stream: "tags-split")
        var order = Array(rows.indices)
        rng.shuffle(&order)
        let nTest = rows.count >= 8 ? Int((Double(rows.count) * o.testFraction).rounded()) : 0
        let test = Array(order.prefix(nTest)), train = Array(order.dropFirst(nTest))
        log("\(rows.count) tagged images, tags \(tagNames.joined(separator: ", ")); \(train.count) train, \(test.count) test")
        let model = try LabelPowersetSVM(rows: train.map { features[$0] }, labelSets: train.map { sets[$0] },
                                         labelCount: tagNames.count, weighting: .concepts(.mean, exponent: 0.5))
        var metrics: MultiLabelMetrics?
        if !test.isEmpty {
            let scored = test.map { model.scores(features[$0]) }
            metrics = MultiLabelMetrics(truth: test.map { sets[$0] }, predicted: scored.map { model.powerset.labels(of: $0.predictedClass) },
                                        labelCount: tagNames.count, scores: scored.map(\.labelScores))
        }
        let served = model.servedModel(tagNames: tagNames, featureCount: f + ContextFeatures.count, backbone: net.backboneDigest)
        try served.write(path: o.out, metadata: ["archive": o.archive, "images": "\(rows.count)"])
        return Report(tagNames: tagNames, images: rows.count, testImages: test.count,
                      combinations: model.powerset.combinations.count, metrics: metrics, modelPath: o.out)
    }
}
