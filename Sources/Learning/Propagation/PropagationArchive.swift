import CamsiftCore
import Foundation

/// The frames `camsift propagate` relates (issue 21): the labelled ones (`ARCHIVE/<label>/<camera>/<time>-<id>.jpg`,
/// as `camsift label` and the console file them; any `LabeledArchive` layout works) are the seeds, the daemon's
/// archived frames (`ARCHIVE/unlabeled/<camera>/<day>/<time>.jpg`, `FrameArchiver`) are the ones to suggest labels
/// for. Each frame carries its camera and capture time (from the file name) for the temporal edges.
public struct PropagationArchive: Sendable {
    public struct Frame: Sendable, Equatable {
        /// Absolute path of the JPEG.
        public var path: String
        public var camera: String
        /// Capture time (Unix seconds) from the file name; nil when the name carries none (no temporal edges).
        public var time: Double?
        /// Index into `classes` for a labelled frame; nil for an archived, unlabelled one.
        public var label: Int?
    }

    public var root: String
    public var classes: [String]
    /// Labelled frames first (path order), then unlabelled ones (path order).
    public var frames: [Frame]
    /// Unlabelled frames left out because of `maxUnlabeled` (the newest are kept).
    public var skippedUnlabeled: Int

    public var labelledCount: Int { frames.lazy.filter { $0.label != nil }.count }

    /// Scans `root`. At most `maxUnlabeled` archived frames are taken (the newest by capture time), so a year of
    /// archive cannot make one run unbounded. Errors name the directory and the fix.
    public static func scan(_ root: String, maxUnlabeled: Int) throws -> PropagationArchive {
        let labelled: LabeledArchive
        do {
            labelled = try LabeledArchive.scan(root)
        } catch let e as LearningError where e.code == .badArchive {
            throw LearningError(.badArchive, "camsift propagate: \(e.message) — label frames of at least two labels first "
                + "(`camsift label` or the console's review page)")
        }
        var frames = labelled.items.map { item -> Frame in
            let name = (item.path as NSString).lastPathComponent
            return Frame(path: item.path, camera: item.camera, time: labelledTime(name), label: item.label)
        }
        var inbox: [Frame] = []
        let base = labelled.root + "/unlabeled"
        if let e = FileManager.default.enumerator(atPath: base) {
            while let rel = e.nextObject() as? String {
                let name = (rel as NSString).lastPathComponent
                guard LabeledArchive.imageExtensions.contains((name as NSString).pathExtension.lowercased()),
                      !name.hasPrefix(".") else { continue }
                let camera = rel.split(separator: "/").first.map(String.init) ?? "unknown"
                let stem = (name as NSString).deletingPathExtension
                inbox.append(Frame(path: base + "/" + rel, camera: camera, time: Timestamp.parseRFC3339(stem), label: nil))
            }
        }
        var skipped = 0
        if inbox.count > maxUnlabeled {
            inbox.sort { ($0.time ?? -.infinity, $0.path) > ($1.time ?? -.infinity, $1.path) }
            skipped = inbox.count - max(0, maxUnlabeled)
            inbox.removeLast(skipped)
        }
        frames += inbox.sorted { $0.path < $1.path }
        return PropagationArchive(root: labelled.root, classes: labelled.classes, frames: frames, skippedUnlabeled: skipped)
    }

    /// The capture time of a labelled frame's file name: `20261207T100000.123Z-42.jpg` (what `LabelStore` writes:
    /// RFC 3339 without `-` and `:`, then the review id), or an archiver name `2026-12-07T10-00-00.123Z.jpg`.
    static func labelledTime(_ name: String) -> Double? {
        let stem = (name as NSString).deletingPathExtension
        if let t = Timestamp.parseRFC3339(stem) { return t }
        let compact = Array(stem.split(separator: "-", maxSplits: 1).first ?? "")
        guard compact.count >= 16, compact[8] == "T" else { return nil }
        let s = String(compact)
        func part(_ a: Int, _ b: Int) -> Substring { s.dropFirst(a).prefix(b - a) }
        let text = "\(part(0, 4))-\(part(4, 6))-\(part(6, 8))T\(part(9, 11)):\(part(11, 13)):\(s.dropFirst(13))"
        return Timestamp.parseRFC3339(text)
    }
}
