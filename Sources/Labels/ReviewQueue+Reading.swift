import CamsiftCore
import Foundation

extension ReviewQueue {
    /// The WHERE clause and parameters shared by `pending` and `pendingCount`.
    private func filter(camera: String?, reason: ReviewReason?, includeUnsure: Bool) -> (String, [SQLValue]) {
        var sql = includeUnsure ? "status IN (0, 3)" : "status = 0"
        var params: [SQLValue] = []
        if let camera {
            sql += " AND camera = ?"
            params.append(.text(camera))
        }
        if let reason, !reason.isEmpty {
            sql += " AND (reasons & ?) != 0"
            params.append(.int(Int64(reason.rawValue)))
        }
        return (sql, params)
    }

    /// Items waiting for review, newest capture first; `reason` keeps items having any of those reasons;
    /// `includeUnsure` adds the items marked unsure. Empty on a database error (logged): the console shows an
    /// empty page rather than failing.
    public func pending(offset: Int, limit: Int, camera: String? = nil, reason: ReviewReason? = nil,
                        includeUnsure: Bool = false) -> [ReviewItem] {
        let (whereSQL, params) = filter(camera: camera, reason: reason, includeUnsure: includeUnsure)
        let sql = "SELECT \(Self.columns) FROM review WHERE \(whereSQL) ORDER BY captured DESC, id DESC LIMIT ? OFFSET ?"
        let rows = read { db throws(LabelsError) in
            try db.query(sql, params + [.int(Int64(max(0, limit))), .int(Int64(max(0, offset)))])
        } ?? []
        return rows.map(Self.item)
    }

    /// How many items `pending` would list without offset and limit.
    public func pendingCount(camera: String? = nil, reason: ReviewReason? = nil, includeUnsure: Bool = false) -> Int {
        let (whereSQL, params) = filter(camera: camera, reason: reason, includeUnsure: includeUnsure)
        let n = read { db throws(LabelsError) in
            try db.scalar("SELECT COUNT(*) FROM review WHERE \(whereSQL)", params)
        }
        return Int(n ?? 0)
    }

    /// One item in any status, or nil.
    public func item(_ id: ReviewItemID) -> ReviewItem? {
        let rows = read { db throws(LabelsError) in
            try db.query("SELECT \(Self.columns) FROM review WHERE id = ?", [.int(id.rawValue)])
        }
        return rows?.first.map(Self.item)
    }

    /// The original JPEG of a review item, by id only (the path is built from the number, never taken from a
    /// request). Nil when the item has no JPEG (expired, labelled long ago, never written).
    public func jpeg(_ id: ReviewItemID) -> [UInt8]? {
        guard id.rawValue > 0 else { return nil }
        return ArchiveFiles.read(layout.reviewJPEG(id))
    }

    /// Retention: drops items still pending or skipped whose capture is older than `expireDays` before `now`,
    /// and their JPEGs (rows first, then files: a crash in between leaves orphan files, swept on the next open).
    /// Items in an unfinished label action and items marked unsure are kept. Returns how many were dropped.
    @discardableResult
    public func expire(now: Double = Timestamp.now()) throws(LabelsError) -> Int {
        let cutoff = now - policy.expireDays * 86_400
        let ids = try db.withLock { (db: inout SQLiteDatabase) throws(LabelsError) -> [Int64] in
            try db.transaction { () throws(LabelsError) -> [Int64] in
                let where_ = """
                    status IN (0, 2) AND captured < ? AND id NOT IN (SELECT i.review_id FROM action_items i
                    JOIN actions a ON a.id = i.action_id WHERE a.state != 'done')
                    """
                let ids = try db.query("SELECT id FROM review WHERE \(where_)", [.double(cutoff)]).map { $0.int(0) }
                try db.run("DELETE FROM review WHERE \(where_)", [.double(cutoff)])
                return ids
            }
        }
        for id in ids { try ArchiveFiles.remove(layout.reviewJPEG(ReviewItemID(id))) }
        refreshPending()
        return ids.count
    }

    static let columns = "id, camera, captured, label, score, m0, m1, top, model, reasons, status, origin, iteration"

    static func item(_ r: SQLRow) -> ReviewItem {
        let top = (try? JSONDecoder().decode([ReviewScore].self, from: Data(r.text(7).utf8))) ?? []
        return ReviewItem(id: ReviewItemID(r.int(0)), camera: r.text(1), capturedWall: r.double(2), label: r.text(3),
                          score: r.double(4), m0: r.optionalText(5), m1: r.optionalText(6), top: top,
                          model: r.text(8), reasons: ReviewReason(rawValue: Int(r.int(9))),
                          status: ReviewStatus(rawValue: Int(r.int(10))) ?? .pending,
                          suggestion: r.optionalText(11).map { ReviewSuggestion(origin: $0, iteration: Int(r.optionalInt(12) ?? 0)) })
    }

    /// Runs a read under the connection's lock; on failure logs it and returns nil (reads feed pages and
    /// counts, which degrade to empty rather than failing the console).
    private func read<T: Sendable>(_ body: (SQLiteDatabase) throws(LabelsError) -> T) -> T? {
        do {
            return try db.withLock { (db: inout SQLiteDatabase) throws(LabelsError) -> T in try body(db) }
        } catch {
            OperationalLog.warning("review", "\(error)")
            return nil
        }
    }
}
