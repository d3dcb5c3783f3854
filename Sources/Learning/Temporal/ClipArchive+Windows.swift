import CamsiftCore
import Foundation

extension ClipArchive {
    /// Clips cut from the daemon's frame archive by time ranges (`camsift train --clips --windows FILE.csv`):
    /// one row per clip, `camera,start,end,label` (RFC 3339 UTC times, inclusive; a header row is allowed), the
    /// frames being the archived ones of that camera, `ARCHIVE/unlabeled/<camera>/<day>/<time>.jpg`
    /// (`FrameArchiver`), whose capture time (the file name) lies in the range, in time order. A row whose range
    /// holds no frame is skipped and reported. Errors name the file, the line and the fix.
    public init(frameArchive root: String, windows csvPath: String) throws {
        guard let data = FileManager.default.contents(atPath: csvPath) else {
            throw LearningError(.badArgument, "cannot read the windows file '\(csvPath)'; pass --windows FILE.csv with "
                + "rows camera,start,end,label")
        }
        var byCamera: [String: [(time: Double, path: String)]] = [:]
        func frames(_ camera: String) -> [(time: Double, path: String)] {
            if let f = byCamera[camera] { return f }
            let dir = root + "/unlabeled/" + camera
            var found: [(Double, String)] = []
            if let e = FileManager.default.enumerator(atPath: dir) {
                while let rel = e.nextObject() as? String {
                    let name = (rel as NSString).lastPathComponent
                    guard name.hasSuffix(".jpg"), let t = Timestamp.parseRFC3339(String(name.dropLast(4))) else { continue }
                    found.append((t, dir + "/" + rel))
                }
            }
            found.sort { $0.0 < $1.0 }
            byCamera[camera] = found
            return found
        }
        var labels: [String] = [], clips: [Clip] = [], skipped: [String] = []
        let lines = String(decoding: data, as: UTF8.self).split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if i == 0 && f.first?.lowercased() == "camera" { continue }
            let at = "\(csvPath):\(i + 1)"
            guard f.count == 4, !f[0].isEmpty, !f[3].isEmpty else {
                throw LearningError(.badArgument, "\(at): expected camera,start,end,label, got '\(line)'")
            }
            guard !f[0].contains("/"), !f[0].hasPrefix("."), !f[3].contains("/") else {
                throw LearningError(.badArgument, "\(at): camera and label must not contain '/' or start with '.'")
            }
            guard let start = Timestamp.parseRFC3339(f[1]), let end = Timestamp.parseRFC3339(f[2]) else {
                throw LearningError(.badArgument, "\(at): start and end must be RFC 3339 UTC times like "
                    + "2026-12-07T10:00:00Z, got '\(f[1])' and '\(f[2])'")
            }
            guard start <= end else { throw LearningError(.badArgument, "\(at): start is after end; swap them") }
            let picked = frames(f[0]).filter { $0.time >= start && $0.time <= end }.map(\.path)
            let name = f[3] + "/" + f[0] + "/" + f[1]
            guard !picked.isEmpty else { skipped.append(name + " (line \(i + 1): no archived frame in the range)"); continue }
            if !labels.contains(f[3]) { labels.append(f[3]) }
            clips.append(Clip(label: labels.firstIndex(of: f[3])!, camera: f[0], name: name, frames: picked))
        }
        guard labels.count >= 2 else {
            throw LearningError(.badArgument, "\(csvPath): windows of \(labels.count) label(s) with archived frames; a "
                + "window model needs at least 2 (check the camera ids and that archiveFrames was on for those times)")
        }
        // Labels in name order, like the directory layout.
        let order = labels.indices.sorted { labels[$0] < labels[$1] }
        let remap = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($0.element, $0.offset) })
        self.init(root: root, classNames: order.map { labels[$0] },
                  clips: clips.map { var c = $0; c.label = remap[c.label]!; return c }, skipped: skipped)
    }
}
