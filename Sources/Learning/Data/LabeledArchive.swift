import Foundation

/// A labeled image archive: `ARCHIVE/<label>/**/*.jpg` (ImageFolder layout; `unlabeled/` is the archiver's
/// inbox and is skipped), or, when `ARCHIVE/labels.csv` exists, the images it lists (`path,label`, paths
/// relative to the archive or absolute) for archives that cannot be rearranged — unless that file is the multi-tag
/// file (header `path,tags`, issue 19), which single-label training ignores.
public struct LabeledArchive: Sendable {
    public struct Item: Sendable, Hashable {
        /// Absolute path of the image file.
        public var path: String
        /// Index into `classes`.
        public var label: Int
        /// The camera (or capture source) the image came from; see `cameraKey(relativePath:)`.
        public var camera: String
    }

    public var root: String
    /// Class names, sorted (so class indices do not depend on directory listing order).
    public var classes: [String]
    /// Items sorted by path.
    public var items: [Item]

    public init(root: String, classes: [String], items: [Item]) {
        self.root = root
        self.classes = classes
        self.items = items
    }

    static let imageExtensions: Set<String> = ["jpg", "jpeg"]

    /// Scans `root`. Throws `.badArchive` naming the directory when it is missing or holds fewer than two
    /// classes, and `.badManifest` naming the line for a bad `labels.csv`.
    public static func scan(_ root: String) throws -> LabeledArchive {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw LearningError(.badArchive, "archive '\(root)' is not a directory; pass --archive DIR with DIR/<label>/*.jpg")
        }
        let base = URL(fileURLWithPath: root).standardizedFileURL.path
        let manifest = base + "/labels.csv"
        var pairs: [(path: String, rel: String, label: String)] = []
        if FileManager.default.fileExists(atPath: manifest) && !isMultiTagFile(manifest) {
            pairs = try readManifest(manifest, base: base)
        } else {
            let fm = FileManager.default
            let top = try fm.contentsOfDirectory(atPath: base).sorted()
            for label in top where label != "unlabeled" && !label.hasPrefix(".") {
                var d: ObjCBool = false
                guard fm.fileExists(atPath: base + "/" + label, isDirectory: &d), d.boolValue else { continue }
                guard let e = fm.enumerator(atPath: base + "/" + label) else { continue }
                while let rel = e.nextObject() as? String {
                    let ext = (rel as NSString).pathExtension.lowercased()
                    guard imageExtensions.contains(ext) else { continue }
                    pairs.append((base + "/" + label + "/" + rel, rel, label))
                }
            }
        }
        let classes = Array(Set(pairs.map(\.label))).sorted()
        guard classes.count >= 2 else {
            throw LearningError(.badArchive, "archive '\(root)' has \(classes.count) labeled class(es) with JPEG images; "
                + "training needs at least two ARCHIVE/<label>/ directories (or labels.csv rows)")
        }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let items = pairs.map { Item(path: $0.path, label: index[$0.label]!, camera: cameraKey(relativePath: $0.rel)) }
            .sorted { $0.path < $1.path }
        return LabeledArchive(root: base, classes: classes, items: items)
    }

    /// The camera an image belongs to, for `--split-by camera`: the first directory under the label
    /// (`<label>/<camera>/.../x.jpg`) when there is one, else the file-name prefix before the first `_` or
    /// `-` (`cam12_000431.jpg` → `cam12`), else the whole file name (the image is its own group).
    public static func cameraKey(relativePath rel: String) -> String {
        let parts = rel.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count >= 2 { return String(parts[0]) }
        let name = String(parts.last ?? Substring(rel))
        let stem = (name as NSString).deletingPathExtension
        if let cut = stem.firstIndex(where: { $0 == "_" || $0 == "-" }), cut != stem.startIndex {
            return String(stem[..<cut])
        }
        return stem
    }

    /// Whether `labels.csv` is the multi-tag file (`camsift train --tags`, written by the review console), not a
    /// single-label manifest: its first line is the header `path,tags`. Single-label training then reads the
    /// label folders, as if there were no manifest (the console's archive is an ImageFolder archive).
    static func isMultiTagFile(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        let head = String(decoding: h.readData(ofLength: 256), as: UTF8.self)
        return head.split(separator: "\n", maxSplits: 1).first?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == "path,tags"
    }

    static func readManifest(_ path: String, base: String) throws -> [(path: String, rel: String, label: String)] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw LearningError(.badManifest, "cannot read manifest '\(path)': \(error.localizedDescription)")
        }
        var out: [(String, String, String)] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if n == 0 && line.lowercased() == "path,label" { continue }
            guard let comma = line.lastIndex(of: ",") else {
                throw LearningError(.badManifest, "\(path):\(n + 1): expected 'path,label', got '\(line)'")
            }
            let p = String(line[..<comma]).trimmingCharacters(in: .whitespaces)
            let label = String(line[line.index(after: comma)...]).trimmingCharacters(in: .whitespaces)
            guard !p.isEmpty, !label.isEmpty else {
                throw LearningError(.badManifest, "\(path):\(n + 1): empty path or label in '\(line)'")
            }
            let abs = p.hasPrefix("/") ? p : base + "/" + p
            guard FileManager.default.fileExists(atPath: abs) else {
                throw LearningError(.badManifest, "\(path):\(n + 1): image '\(abs)' does not exist; fix the path or drop the row")
            }
            out.append((abs, p.hasPrefix("/") ? (p as NSString).lastPathComponent : p, label))
        }
        return out
    }

    /// Images per class, indexed like `classes`.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: classes.count)
        for i in items { c[i.label] += 1 }
        return c
    }
}
