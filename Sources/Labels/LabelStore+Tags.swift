import CamsiftCore

/// Multi-tag labels from the review console (issue 19: "the review console lets a person toggle tags on frames").
///
/// One source of truth: `ARCHIVE/labels.csv` (`TagLabels`), the file `camsift train --tags` reads. Tagging a review
/// item copies its JPEG to `ARCHIVE/.camsift/tagged/<id>/<camera>/<YYYY-MM-DD>/<time>.jpg` — the frame archive's
/// `<camera>/<day>/<time>.jpg` shape, so training recovers the camera and capture time (the context modality),
/// under the store's dot directory, so ImageFolder training and the label folders never see it, and with the
/// review id as a folder, so two frames captured in the same millisecond do not collide — and sets that path's
/// row. Review JPEGs expire; the copy does not. An empty tag set removes the row and the copy.
///
/// Setting tags is not on the undo stack: it *is* the state of the checkboxes, so toggling back is the undo.
/// It runs under the store's connection lock, the one serialisation every store action uses, and the store holds
/// the archive lock, so the console is the only writer of `labels.csv` while the daemon runs (a person editing
/// it by hand meanwhile loses the race; the file is replaced atomically either way, never torn).
extension LabelStore {
    /// Archive-relative path of a review item's tagged copy. The camera folder is the id when it is a safe path
    /// component (else `unknown`), as for labelled frames; nothing in it comes from a request but the numeric id.
    static func taggedPath(_ id: ReviewItemID, camera: String, captured: Double) -> String {
        let name = String(Timestamp.rfc3339(captured).map { $0 == ":" ? "-" : $0 }) + ".jpg"
        return ".camsift/tagged/\(id.rawValue)/\(cameraFolder(camera))/\(Timestamp.day(captured))/\(name)"
    }

    /// The review item a tagged path belongs to (nil for any other row of `labels.csv`).
    static func taggedItem(_ path: String) -> ReviewItemID? {
        let parts = path.split(separator: "/")
        guard parts.count == 6, parts[0] == ".camsift", parts[1] == "tagged", let n = Int64(parts[2]), n > 0 else { return nil }
        return ReviewItemID(n)
    }

    /// `labels.csv` as it is now (empty when there is none). Throws `badTagsFile` naming the line that does not parse.
    public func tagLabels() throws(LabelsError) -> TagLabels {
        try withDatabase { _ throws(LabelsError) in try readTagLabels() }
    }

    /// Tags of review items in a `labels.csv` (its rows naming a tagged copy).
    public static func reviewTags(in file: TagLabels) -> [ReviewItemID: [String]] {
        var out: [ReviewItemID: [String]] = [:]
        for r in file.rows { if let id = taggedItem(r.path) { out[id] = r.tags } }
        return out
    }

    /// Sets the tag set of each review item (replacing what it had; empty = untag). Validates every tag
    /// (`TagLabels.tagProblem`, at most `maxTagsPerImage`), every item (it exists; its JPEG or its tagged copy
    /// does) and that `labels.csv` parses, before any change. Returns the archive-relative paths written.
    @discardableResult
    public func setTags(_ tags: [String], for ids: [ReviewItemID]) throws(LabelsError) -> [String] {
        var seenTag = Set<String>()
        let tags = tags.filter { seenTag.insert($0).inserted }
        guard tags.count <= TagLabels.maxTagsPerImage else {
            throw LabelsError(.badTag, "\(tags.count) tags for one frame; at most \(TagLabels.maxTagsPerImage)")
        }
        for t in tags { if let p = TagLabels.tagProblem(t) { throw LabelsError(.badTag, p) } }
        var seen = Set<ReviewItemID>()
        let ids = ids.filter { seen.insert($0).inserted }
        return try withDatabase { db throws(LabelsError) in
            var file = try readTagLabels()
            var targets: [(ReviewItemID, String)] = []
            for id in ids {
                guard let r = try db.query("SELECT camera, captured FROM review WHERE id = ?", [.int(id.rawValue)]).first else {
                    throw LabelsError(.unknownItem, "review item \(id) does not exist (expired or never stored); reload the review queue")
                }
                let path = Self.taggedPath(id, camera: r.text(0), captured: r.double(1))
                if !tags.isEmpty && !ArchiveFiles.exists(layout.absolute(path)) && !ArchiveFiles.exists(layout.reviewJPEG(id)) {
                    throw LabelsError(.unknownItem, "review item \(id) has no JPEG ('\(layout.reviewJPEG(id))' is missing); "
                        + "it cannot be tagged")
                }
                targets.append((id, path))
            }
            // Copies first, then the file that names them: a crash in between leaves an unlisted copy, never a
            // row naming a missing image (which would fail `camsift train --tags`).
            for (id, path) in targets where !tags.isEmpty {
                let target = layout.absolute(path)
                if ArchiveFiles.exists(target) { continue }
                guard let bytes = ArchiveFiles.read(layout.reviewJPEG(id)) else {
                    throw LabelsError(.unknownItem, "review item \(id): its JPEG vanished while tagging; reload the review queue")
                }
                try ArchiveFiles.makeDirectories(String(target[..<target.lastIndex(of: "/")!]))
                try ArchiveFiles.write(bytes, to: target, syncDirectory: true)
            }
            for (_, path) in targets { file.set(path, tags: tags) }
            try ArchiveFiles.write(Array(file.text.utf8), to: layout.absolute(TagLabels.fileName), syncDirectory: true)
            if tags.isEmpty {
                for (_, path) in targets { try ArchiveFiles.remove(layout.absolute(path)) }
            }
            return targets.map(\.1)
        }
    }

    /// Reads and parses `labels.csv`; the caller holds the connection lock.
    private func readTagLabels() throws(LabelsError) -> TagLabels {
        let path = layout.absolute(TagLabels.fileName)
        guard let bytes = ArchiveFiles.read(path) else { return TagLabels() }
        let text = String(decoding: bytes, as: UTF8.self)
        // `labels.csv` is also `camsift train`'s single-label manifest (path,label). The header `path,tags` is what
        // tells the two apart (single-label training ignores a file with it); never write tags into a manifest.
        let header = text.split(separator: "\n", maxSplits: 1).first?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard header == "path,tags" else {
            throw LabelsError(.badTagsFile, "'\(path)' does not start with the header line 'path,tags': it is a single-label "
                + "manifest (path,label) or a tags file without its header. Add the header if it holds tags; otherwise "
                + "the console cannot keep tags in this archive")
        }
        do { return try TagLabels.parse(text) } catch {
            throw LabelsError(.badTagsFile, "'\(path)' \(error); fix or remove that line, then tag again")
        }
    }
}
