import Foundation

/// The multi-tag labels of an archive (issue 19): `ARCHIVE/labels.csv`, one row `path,tag1;tag2;…` per image,
/// the path relative to the archive. One file, one format, two users: `camsift train --tags` reads it (Learning)
/// and the review console writes it (`LabelStore.setTags`, Labels) — so the format lives here, below both.
///
/// Reading is lenient about what a person may type (spaces around tags, a `path,…` header, `#` comments, blank
/// lines) and strict about what could escape the archive (an absolute path or a `..` component is an error
/// naming the line). Writing keeps every line it did not change — comments and hand-written rows stay as typed.
public struct TagLabels: Sendable, Equatable {
    public static let fileName = "labels.csv"
    /// The console's limits: tags per image, and a tag's length (the same 64 as a label name).
    public static let maxTagsPerImage = 16
    public static let maxTagLength = 64

    public struct Row: Sendable, Equatable {
        public var path: String
        /// Sorted, without duplicates.
        public var tags: [String]
        public init(path: String, tags: [String]) {
            self.path = path
            self.tags = Array(Set(tags)).sorted()
        }
    }

    /// A line that does not parse, and how to fix it.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// 1-based line number.
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    private enum Line: Sendable, Equatable {
        /// A row and its line as read (nil for a row `set` wrote): unchanged rows are written back as they were.
        case row(Row, raw: String?)
        case other(String)
    }
    private var lines: [Line]

    public init() { lines = [.other("path,tags")] }

    /// The tagged images, in file order (a path listed twice is listed twice, as the trainer reads it).
    public var rows: [Row] {
        lines.compactMap { if case .row(let r, _) = $0 { return r } else { return nil } }
    }

    /// Every tag used, sorted.
    public var knownTags: [String] { Array(Set(rows.flatMap(\.tags))).sorted() }

    public static func parse(_ text: String) throws(Problem) -> TagLabels {
        var out = TagLabels()
        out.lines = []
        var all = text.split(separator: "\n", omittingEmptySubsequences: false)
        if all.last == "" { all.removeLast() }  // the final newline ends the last line; it is not a line
        for (i, raw) in all.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || (i == 0 && line.lowercased().hasPrefix("path,")) {
                out.lines.append(.other(String(raw)))
                continue
            }
            guard let comma = line.lastIndex(of: ",") else {
                throw Problem(line: i + 1, message: "expected path,tag1;tag2 — got '\(line.prefix(80))'")
            }
            let path = String(line[..<comma]).trimmingCharacters(in: .whitespaces)
            let tags = line[line.index(after: comma)...].split(separator: ";")
                .map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !path.isEmpty, !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw Problem(line: i + 1, message: "the path must be relative to the archive, without '..'")
            }
            guard !tags.isEmpty else { throw Problem(line: i + 1, message: "no tag after the comma") }
            out.lines.append(.row(Row(path: path, tags: tags), raw: String(raw)))
        }
        return out
    }

    /// The file's text: untouched lines as they were, rows `set` wrote as `path,a;b`.
    public var text: String {
        lines.map { l in
            switch l {
            case .other(let s): return s
            case .row(let r, let raw): return raw ?? r.path + "," + r.tags.joined(separator: ";")
            }
        }.joined(separator: "\n") + "\n"
    }

    /// The tags of `path` (the first row naming it), empty when untagged.
    public func tags(of path: String) -> [String] { rows.first { $0.path == path }?.tags ?? [] }

    /// Sets the tags of `path`: replaces its row(s) in place, appends a row for a new path, removes its rows when
    /// `tags` is empty. The caller validates the tags (`tagProblem`) and the path (it makes it, never a request).
    public mutating func set(_ path: String, tags: [String]) {
        let row = Row(path: path, tags: tags)
        var placed = false
        lines = lines.compactMap { l in
            guard case .row(let r, _) = l, r.path == path else { return l }
            if placed || row.tags.isEmpty { return nil }
            placed = true
            return .row(row, raw: nil)
        }
        if !placed && !row.tags.isEmpty { lines.append(.row(row, raw: nil)) }
    }

    /// `nil` when `tag` may be written by the console; otherwise the problem and its fix. The rule is a label
    /// name's (letters, digits, '-', '_', inner spaces, 1–64 characters): no ',' or ';' (the file's separators),
    /// no newline, nothing a page or a log line would need to escape beyond HTML.
    public static func tagProblem(_ tag: String) -> String? {
        let fix = "use 1–\(maxTagLength) letters, digits, '-', '_' or spaces, e.g. 'night'"
        if tag.isEmpty { return "tag is empty; \(fix)" }
        if tag.count > maxTagLength { return "tag '\(tag.prefix(20))…' is longer than \(maxTagLength) characters; \(fix)" }
        if tag.first == " " || tag.last == " " { return "tag '\(tag)' starts or ends with a space; remove the space" }
        for ch in tag.unicodeScalars {
            let ok = ch.properties.isAlphabetic || ("0"..."9").contains(ch) || ch == "-" || ch == "_" || ch == " "
            if !ok { return "tag '\(tag.prefix(20))' contains '\(ch.escaped(asASCII: true))'; \(fix)" }
        }
        return nil
    }
}
