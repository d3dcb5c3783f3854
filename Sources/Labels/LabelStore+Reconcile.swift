import CamsiftCore

/// Reconciliation: the index is made to agree with the folders, which are the truth.
extension LabelStore {
    /// Finishes what a crash interrupted (a `pending` assign is rolled forward, an `undoing` one completed),
    /// removes `AtomicFile` temporaries under label folders, then makes `labels` and `images` match the folders:
    /// rows for folders and JPEGs found (camera from `<label>/<camera>/…`, else `unknown`), no rows for what is
    /// gone. Runs on open; call it again after editing folders by hand while the store is open.
    public func reconcile() throws(LabelsError) {
        try withDatabase { db throws(LabelsError) in
            for r in try db.query("SELECT id, state FROM actions WHERE state != 'done' ORDER BY id") {
                if r.text(1) == "pending" {
                    OperationalLog.notice("labels", "finishing label action \(r.int(0)) interrupted by a crash")
                    try finishAssign(db, r.int(0))
                } else {
                    OperationalLog.notice("labels", "finishing undo of label action \(r.int(0)) interrupted by a crash")
                    try finishUndo(db, r.int(0))
                }
            }
            try trimUndoStack(db)

            var labels: [String] = []
            var files = Set<String>()
            for name in ArchiveFiles.entries(layout.archive).sorted()
            where ArchiveLayout.isLabel(name) && ArchiveFiles.isDirectory(layout.absolute(name)) {
                guard LabelName.problem(name) == nil else {
                    OperationalLog.warning("labels", "folder '\(layout.absolute(name))' is not a valid label name "
                        + "(\(LabelName.problem(name)!)); it is not indexed, but `camsift train` still reads it")
                    continue
                }
                labels.append(name)
                for rel in ArchiveFiles.walk(layout.absolute(name)) {
                    let path = name + "/" + rel
                    if ArchiveFiles.isTemporary(rel) {
                        try ArchiveFiles.remove(layout.absolute(path))
                    } else if ArchiveFiles.isImage(rel) {
                        files.insert(path)
                    }
                }
            }
            let indexed = Set(try db.query("SELECT path FROM images").map { $0.text(0) })
            let indexedLabels = Set(try db.query("SELECT name FROM labels").map { $0.text(0) })
            let labelSet = Set(labels)
            let now = Timestamp.now()
            try db.transaction { () throws(LabelsError) in
                for name in labelSet.subtracting(indexedLabels) {
                    try db.run("INSERT INTO labels(name, created_at) VALUES (?, ?)", [.text(name), .double(now)])
                }
                for name in indexedLabels.subtracting(labelSet) {
                    try db.run("DELETE FROM images WHERE label = ?", [.text(name)])
                    try db.run("DELETE FROM labels WHERE name = ?", [.text(name)])
                }
                for path in indexed.subtracting(files) {
                    try db.run("DELETE FROM images WHERE path = ?", [.text(path)])
                }
                for path in files.subtracting(indexed) {
                    let label = String(path[..<path.firstIndex(of: "/")!])
                    try db.run("INSERT INTO images(path, label, camera, review_id, added_at) VALUES (?, ?, ?, NULL, ?)",
                               [.text(path), .text(label), .text(Self.camera(ofPath: path)), .double(now)])
                }
            }
        }
    }
}
