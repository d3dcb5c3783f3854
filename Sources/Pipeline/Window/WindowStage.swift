import CamsiftCore
import Serving

/// The window half of the inference thread (issue 18): feeds every logged frame's features to its camera's
/// ring and, when a camera's window is due, classifies the last α frames with the window model — Pouyanfar,
/// Chen & Shyu's residual BiLSTM over pretrained-CNN features — writing one `kind: "window"` record.
///
/// Features come from the frame model's own pass (`FeatureSource`); a window model only runs on the backbone it
/// was trained on (`WindowClassifier.backbone`), otherwise it is skipped with one warning per pair of versions
/// naming the fix. Frames whose result change gating reused repeat their camera's last features (the frame
/// did not change). Due windows of one batch are classified together, one call.
///
/// Inference-thread only.
final class WindowStage: @unchecked Sendable {
    let stride: Int
    let maxCameras: Int
    private var tracker: WindowTracker?
    /// The window model version the tracker's rings were projected by.
    private var trackerVersion: String?
    private var warned: Set<String> = []
    private var windowBuffer: [Float] = []

    init(stride: Int, maxCameras: Int = 20_000) {
        self.stride = max(1, stride)
        self.maxCameras = maxCameras
    }

    /// Cameras with a ring and the bytes they hold (for /metrics).
    var cameraCount: Int { tracker?.cameraCount ?? 0 }
    var bytes: Int { tracker?.bytes ?? 0 }

    /// - Parameters:
    ///   - classified: indices into `batch` of freshly classified frames, in the row order of `features`.
    ///   - features: `classified.count × featureCount` pooled features (empty: the model gave none).
    ///   - reused: indices of frames whose result was reused.
    /// - Returns: window records to log (capture order within the batch).
    func process(batch: [Frame], classified: [Int], features: [Float], reused: [Int], source: any FeatureSource,
                 window: WindowClassifier, now: Double) -> [ClassificationRecord] {
        let fc = source.featureCount
        guard fc > 0, features.count == classified.count * fc else { return [] }
        guard window.backbone == source.backboneDigest, window.featureCount == fc else {
            let key = window.version + "/" + source.version
            if warned.insert(key).inserted {
                OperationalLog.warning("window", "window model \(window.version) was trained on backbone "
                    + "\(window.backbone) (\(window.featureCount) features) but the serving model \(source.version) has "
                    + "backbone \(source.backboneDigest.isEmpty ? "none" : source.backboneDigest) (\(fc) features): no "
                    + "window events until they match — retrain the window model on this model's features with "
                    + "`camsift train --clips`, or serve a bundle that keeps the ImageNet backbone frozen")
            }
            return []
        }
        if trackerVersion != window.version || tracker == nil {
            tracker = WindowTracker(length: window.length, width: window.width, stride: stride, maxCameras: maxCameras)
            trackerVersion = window.version
        }
        let tracker = tracker!
        let projected = features.withUnsafeBufferPointer { window.project($0, n: classified.count) }
        var due: [Int] = []
        var events: [(Int, Bool)] = classified.enumerated().map { ($0.element, true) } + reused.map { ($0, false) }
        events.sort { $0.0 < $1.0 }
        var row = [Int: Int]()
        for (k, i) in classified.enumerated() { row[i] = k }
        let w = window.width
        for (i, fresh) in events {
            let f = batch[i]
            let isDue: Bool
            if fresh, let k = row[i] {
                isDue = projected.withUnsafeBufferPointer {
                    tracker.push(f.camera, features: UnsafeBufferPointer(rebasing: $0[(k * w)..<((k + 1) * w)]),
                                 wall: f.capturedWall, now: now)
                }
            } else {
                isDue = tracker.repeatLast(f.camera, wall: f.capturedWall, now: now)
            }
            if isDue { due.append(i) }
        }
        guard !due.isEmpty else { return [] }
        let per = window.length * w
        if windowBuffer.count < due.count * per { windowBuffer = [Float](repeating: 0, count: due.count * per) }
        var spans: [(camera: String, start: Double, end: Double)] = []
        windowBuffer.withUnsafeMutableBufferPointer { buf in
            for i in due {
                let cam = batch[i].camera
                if let span = tracker.takeWindow(cam, into: buf.baseAddress! + spans.count * per) {
                    spans.append((cam, span.start, span.end))
                }
            }
        }
        let probabilities: [[Float]]
        do {
            probabilities = try windowBuffer.withUnsafeBufferPointer {
                try window.probabilities(UnsafeBufferPointer(rebasing: $0[0..<(spans.count * per)]), n: spans.count)
            }
        } catch {
            OperationalLog.error("window", "window model \(window.version) failed on \(spans.count) window(s): \(error)")
            return []
        }
        return zip(spans, probabilities).map { span, p in
            let ranked = p.indices.sorted { p[$0] > p[$1] }.prefix(3)
            let best = ranked.first ?? 0
            var r = ClassificationRecord(
                ts: Timestamp.rfc3339(span.end), camera: span.camera, label: window.classes[best],
                score: (Double(p[best]) * 10000).rounded() / 10000, model: window.version, via: "window",
                top: ranked.map { .init(label: window.classes[$0], score: (Double(p[$0]) * 10000).rounded() / 10000) },
                latency_ms: 0)
            r.kind = "window"
            r.start = Timestamp.rfc3339(span.start)
            r.end = r.ts
            r.frames = window.length
            return r
        }
    }
}
