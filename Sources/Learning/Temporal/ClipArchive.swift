import CamsiftCore
import Foundation

/// Labelled clips for window training (`camsift train --clips`): `ARCHIVE/<label>/<camera>/<clip>/*.jpg`, the
/// frames of a clip in time order by file name (what `camsift grab` and the archiver write: zero-padded frame
/// numbers or capture times). A clip is one "video" of Pouyanfar, Chen & Shyu's Algorithm 1.
///
/// Problems name the directory and the fix; a clip with no JPEG is skipped and reported, never fatal.
public struct ClipArchive: Sendable {
    public struct Clip: Sendable, Equatable {
        public var label: Int
        public var camera: String
        /// `<label>/<camera>/<clip>`, relative to the archive.
        public var name: String
        /// Absolute paths of the frames, in time order.
        public var frames: [String]
    }

    public let root: String
    public let classNames: [String]
    public let clips: [Clip]
    /// Clip directories without any JPEG (skipped).
    public let skipped: [String]

    public init(root: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw LearningError(.badArgument, "clip archive '\(root)' is not a directory; pass --archive DIR holding "
                + "DIR/<label>/<camera>/<clip>/*.jpg")
        }
        func subdirectories(_ path: String) -> [String] {
            ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { name in
                var d: ObjCBool = false
                return !name.hasPrefix(".") && name != "unlabeled"
                    && fm.fileExists(atPath: path + "/" + name, isDirectory: &d) && d.boolValue
            }.sorted()
        }
        let labels = subdirectories(root)
        var clips: [Clip] = [], skipped: [String] = []
        for (li, label) in labels.enumerated() {
            for camera in subdirectories(root + "/" + label) {
                for clip in subdirectories(root + "/" + label + "/" + camera) {
                    let dir = root + "/" + label + "/" + camera + "/" + clip
                    let frames = ((try? fm.contentsOfDirectory(atPath: dir)) ?? [])
                        .filter { let e = ($0 as NSString).pathExtension.lowercased(); return e == "jpg" || e == "jpeg" }
                        .sorted().map { dir + "/" + $0 }
                    if frames.isEmpty { skipped.append(label + "/" + camera + "/" + clip); continue }
                    clips.append(Clip(label: li, camera: camera, name: label + "/" + camera + "/" + clip, frames: frames))
                }
            }
        }
        let present = Set(clips.map(\.label))
        guard present.count >= 2 else {
            throw LearningError(.badArgument, "clip archive '\(root)' has clips of \(present.count) label(s) "
                + "(\(labels.joined(separator: ", "))); a window model needs at least 2 — lay clips out as "
                + "\(root)/<label>/<camera>/<clip>/*.jpg")
        }
        // Keep only labels that have clips, renumbered densely.
        let kept = labels.indices.filter { present.contains($0) }
        let remap = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($0.element, $0.offset) })
        self.root = root
        classNames = kept.map { labels[$0] }
        self.clips = clips.map { var c = $0; c.label = remap[c.label]!; return c }
        self.skipped = skipped
    }

    init(root: String, classNames: [String], clips: [Clip], skipped: [String]) {
        self.root = root
        self.classNames = classNames
        self.clips = clips
        self.skipped = skipped
    }

    public var classCounts: [Int] {
        var n = [Int](repeating: 0, count: classNames.count)
        for c in clips { n[c.label] += 1 }
        return n
    }

    /// A stratified split of the clips (whole clips, so no window of a test clip is seen in training): per class,
    /// `testFraction` of its clips, at least one when the class has two or more, chosen by `seed`.
    public func split(testFraction: Double, seed: UInt64) -> (train: [Int], test: [Int]) {
        var rng = SeededGenerator(seed: seed, stream: "clip-split")
        var train: [Int] = [], test: [Int] = []
        for label in classNames.indices {
            var ids = clips.indices.filter { clips[$0].label == label }
            rng.shuffle(&ids)
            let k = ids.count < 2 ? 0 : max(1, Int((Double(ids.count) * testFraction).rounded()))
            test += ids.prefix(k)
            train += ids.dropFirst(k)
        }
        return (train.sorted(), test.sorted())
    }
}
