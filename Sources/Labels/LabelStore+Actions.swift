import CamsiftCore

/// Assign, mark and undo. An assign touches files and rows, so it runs as a journalled sequence:
///
/// 1. one transaction writes the action (state `pending`) and, per item, the target path — before any file;
/// 2. each review JPEG is copied to its label folder with `AtomicFile` (a file is complete or absent), then
///    the folders are fsynced once each;
/// 3. one transaction inserts the image rows, marks the review rows labelled and the action `done`;
/// 4. the undo stack is trimmed (review JPEGs of actions that can no longer be undone are deleted).
///
/// A kill -9 after 1 leaves a `pending` action, which the next open rolls forward by repeating 2 (targets
/// already written are kept, the names are deterministic, so nothing is written twice) and 3. Before 1
/// nothing happened. After 3 only trimming is left, which the next trim repeats. So every review item ends
/// pending or labelled exactly once, and the index matches the folders. Undo runs the same way in reverse
/// (state `undoing`, remove files, one transaction).
extension LabelStore {
    /// Assigns review items to `label`: each item's original JPEG becomes
    /// `ARCHIVE/<label>/<camera>/<capture-time>-<id>.jpg`, and the items leave the queue. Items may be
    /// pending, skipped or unsure; an unknown or already labelled item fails the whole call before any change.
    public func assign(_ ids: [ReviewItemID], to label: String) throws(LabelsError) -> LabelAction {
        try requireLabel(label)
        var seen = Set<ReviewItemID>()
        let ids = ids.filter { seen.insert($0).inserted }
        return try withDatabase { db throws(LabelsError) in
            let actionID = try db.transaction { () throws(LabelsError) -> Int64 in
                var items: [(ReviewItemID, String, Int64)] = []
                for id in ids {
                    guard let r = try db.query("SELECT camera, captured, status FROM review WHERE id = ?",
                                               [.int(id.rawValue)]).first else {
                        throw LabelsError(.unknownItem, "review item \(id) does not exist (expired or never "
                            + "stored); reload the review queue")
                    }
                    if r.int(2) == Int64(ReviewStatus.labelled.rawValue) {
                        let where_ = try db.query("SELECT path FROM images WHERE review_id = ?", [.int(id.rawValue)])
                            .first?.text(0) ?? "a label folder"
                        throw LabelsError(.alreadyLabelled, "review item \(id) is already labelled ('\(where_)'); "
                            + "undo that action or relabel the image instead")
                    }
                    guard ArchiveFiles.exists(layout.reviewJPEG(id)) else {
                        throw LabelsError(.unknownItem, "review item \(id) has no JPEG ('\(layout.reviewJPEG(id))' is "
                            + "missing); it cannot be labelled — skip it")
                    }
                    let path = "\(label)/\(Self.cameraFolder(r.text(0)))/\(Self.fileName(captured: r.double(1), id: id))"
                    items.append((id, path, r.int(2)))
                }
                try db.run("INSERT INTO actions(kind, state, label, at) VALUES ('assign', 'pending', ?, ?)",
                           [.text(label), .double(Timestamp.now())])
                let action = db.lastInsertRowID
                for (id, path, status) in items {
                    try db.run("INSERT INTO action_items(action_id, review_id, path, previous_status) VALUES (?, ?, ?, ?)",
                               [.int(action), .int(id.rawValue), .text(path), .int(status)])
                }
                return action
            }
            try finishAssign(db, actionID)
            try trimUndoStack(db)
            return try action(db, actionID)
        }
    }

    /// Marks review items skipped or unsure (kept out of training; unsure ones stay listable with
    /// `includeUnsure`). One transaction, undoable. Labelled items are refused.
    @discardableResult
    public func mark(_ ids: [ReviewItemID], as verdict: ReviewVerdict) throws(LabelsError) -> LabelAction {
        var seen = Set<ReviewItemID>()
        let ids = ids.filter { seen.insert($0).inserted }
        return try withDatabase { db throws(LabelsError) in
            let actionID = try db.transaction { () throws(LabelsError) -> Int64 in
                try db.run("INSERT INTO actions(kind, state, label, at) VALUES (?, 'done', NULL, ?)",
                           [.text(verdict == .skip ? "skip" : "unsure"), .double(Timestamp.now())])
                let action = db.lastInsertRowID
                for id in ids {
                    guard let r = try db.query("SELECT status FROM review WHERE id = ?", [.int(id.rawValue)]).first else {
                        throw LabelsError(.unknownItem, "review item \(id) does not exist (expired or never stored); "
                            + "reload the review queue")
                    }
                    guard r.int(0) != Int64(ReviewStatus.labelled.rawValue) else {
                        throw LabelsError(.alreadyLabelled, "review item \(id) is labelled; undo the assignment "
                            + "or remove the image instead of marking it \(verdict.rawValue)")
                    }
                    try db.run("INSERT INTO action_items(action_id, review_id, path, previous_status) VALUES (?, ?, NULL, ?)",
                               [.int(action), .int(id.rawValue), .int(r.int(0))])
                    try db.run("UPDATE review SET status = ? WHERE id = ?",
                               [.int(Int64(verdict.status.rawValue)), .int(id.rawValue)])
                }
                return action
            }
            try trimUndoStack(db)
            return try action(db, actionID)
        }
    }

    /// Reverts the newest assign or mark still on the undo stack: files it wrote are removed from the label
    /// folder and its review items get their previous status back. Nil when there is nothing to undo.
    @discardableResult
    public func undo() throws(LabelsError) -> LabelAction? {
        try withDatabase { db throws(LabelsError) in
            guard let r = try db.query("SELECT id, kind FROM actions WHERE state = 'done' ORDER BY id DESC LIMIT 1").first
            else { return nil }
            let undone = try action(db, r.int(0))
            if r.text(1) == "assign" {
                try db.run("UPDATE actions SET state = 'undoing' WHERE id = ?", [.int(undone.id)])
                try finishUndo(db, undone.id)
            } else {
                try db.transaction { () throws(LabelsError) in
                    try db.run("""
                        UPDATE review SET status = (SELECT previous_status FROM action_items i
                          WHERE i.action_id = ? AND i.review_id = review.id)
                        WHERE id IN (SELECT review_id FROM action_items WHERE action_id = ?)
                        """, [.int(undone.id), .int(undone.id)])
                    try db.run("DELETE FROM actions WHERE id = ?", [.int(undone.id)])
                }
            }
            return undone
        }
    }

    /// Steps 2–3 of an assign (see the type's comment); also the roll-forward of an interrupted one.
    func finishAssign(_ db: SQLiteDatabase, _ actionID: Int64) throws(LabelsError) {
        let items = try db.query("SELECT review_id, path FROM action_items WHERE action_id = ?", [.int(actionID)])
        var dirs = Set<String>()
        var lost: [Int64] = []
        for r in items {
            let id = ReviewItemID(r.int(0))
            let target = layout.absolute(r.text(1))
            let dir = String(target[..<target.lastIndex(of: "/")!])
            dirs.insert(dir)
            dirs.insert(String(dir[..<dir.lastIndex(of: "/")!]))
            if ArchiveFiles.exists(target) { continue }
            guard let bytes = ArchiveFiles.read(layout.reviewJPEG(id)) else {
                // Only after a crash, if the review JPEG was deleted by hand meanwhile: nothing to label.
                OperationalLog.warning("labels", "review item \(id): JPEG gone, not labelled")
                lost.append(id.rawValue)
                continue
            }
            try ArchiveFiles.makeDirectories(dir)
            try ArchiveFiles.write(bytes, to: target, syncDirectory: false)
        }
        // One fsync per folder instead of one per file: the renames are durable before the commit below.
        for dir in dirs.sorted(by: >) {
            try ArchiveFiles.syncDirectory(dir)
        }
        try db.transaction { () throws(LabelsError) in
            let now = Timestamp.now()
            for r in items where !lost.contains(r.int(0)) {
                let path = r.text(1)
                let label = String(path[..<path.firstIndex(of: "/")!])
                try db.run("INSERT OR IGNORE INTO labels(name, created_at) VALUES (?, ?)", [.text(label), .double(now)])
                try db.run("""
                    INSERT INTO images(path, label, camera, review_id, added_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(path) DO UPDATE SET review_id = excluded.review_id
                    """, [.text(path), .text(label), .text(Self.camera(ofPath: path)), .int(r.int(0)), .double(now)])
                try db.run("UPDATE review SET status = ? WHERE id = ?",
                           [.int(Int64(ReviewStatus.labelled.rawValue)), .int(r.int(0))])
            }
            for id in lost {
                try db.run("DELETE FROM action_items WHERE action_id = ? AND review_id = ?", [.int(actionID), .int(id)])
            }
            try db.run("UPDATE actions SET state = 'done' WHERE id = ?", [.int(actionID)])
        }
    }

    /// Removes an assign's files, then in one transaction its image rows, restores its review items and drops
    /// the action; also the completion of an undo a crash interrupted (state `undoing`).
    func finishUndo(_ db: SQLiteDatabase, _ actionID: Int64) throws(LabelsError) {
        let items = try db.query("SELECT review_id, path, previous_status FROM action_items WHERE action_id = ?",
                                 [.int(actionID)])
        var dirs = Set<String>()
        for r in items {
            let target = layout.absolute(r.text(1))
            try ArchiveFiles.remove(target)
            dirs.insert(String(target[..<target.lastIndex(of: "/")!]))
        }
        for dir in dirs where ArchiveFiles.exists(dir) {
            try ArchiveFiles.syncDirectory(dir)
        }
        try db.transaction { () throws(LabelsError) in
            for r in items {
                try db.run("DELETE FROM images WHERE path = ?", [.text(r.text(1))])
                try db.run("UPDATE review SET status = ? WHERE id = ? AND status = ?",
                           [.int(r.int(2)), .int(r.int(0)), .int(Int64(ReviewStatus.labelled.rawValue))])
            }
            try db.run("DELETE FROM actions WHERE id = ?", [.int(actionID)])
        }
    }

    /// Keeps the newest `undoLimit` done actions. Review JPEGs of assigns that fall off the stack are deleted
    /// after the commit (their copy lives in the label folder); one left by a crash is swept by `ReviewQueue`.
    func trimUndoStack(_ db: SQLiteDatabase) throws(LabelsError) {
        let old = try db.query("SELECT id FROM actions WHERE state = 'done' ORDER BY id DESC LIMIT -1 OFFSET ?",
                               [.int(Int64(undoLimit))]).map { $0.int(0) }
        guard !old.isEmpty else { return }
        var drop: [Int64] = []
        try db.transaction { () throws(LabelsError) in
            for a in old {
                drop += try db.query("""
                    SELECT i.review_id FROM action_items i JOIN review r ON r.id = i.review_id
                    WHERE i.action_id = ? AND r.status = ?
                    """, [.int(a), .int(Int64(ReviewStatus.labelled.rawValue))]).map { $0.int(0) }
                try db.run("DELETE FROM actions WHERE id = ?", [.int(a)])
            }
        }
        for id in drop { try ArchiveFiles.remove(layout.reviewJPEG(ReviewItemID(id))) }
    }

    func action(_ db: SQLiteDatabase, _ id: Int64) throws(LabelsError) -> LabelAction {
        guard let a = try db.query("SELECT kind, label, at FROM actions WHERE id = ?", [.int(id)]).first else {
            throw LabelsError(.unknownItem, "action \(id) is not in the journal")
        }
        let items = try db.query("SELECT review_id, path FROM action_items WHERE action_id = ? ORDER BY rowid", [.int(id)])
        return LabelAction(id: id, kind: LabelAction.Kind(rawValue: a.text(0)) ?? .assign, label: a.optionalText(1),
                           items: items.map { ReviewItemID($0.int(0)) }, paths: items.compactMap { $0.optionalText(1) },
                           at: a.double(2))
    }
}
