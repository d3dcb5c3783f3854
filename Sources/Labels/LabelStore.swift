#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Synchronization

/// The labelled archive and its SQLite index.
///
/// The folders are the truth: `ARCHIVE/<label>/**/*.jpg` is what `camsift train` reads and what an operator
/// may edit by hand. The index (`ARCHIVE/.camsift/labels.sqlite`) adds what folders cannot hold — creation
/// times, which review item an image came from, the journal, the undo stack, training history — and is
/// reconciled with the folders on every open (`reconcile`), so it cannot stay out of step with them.
///
/// One `LabelStore` per archive at a time: it holds an exclusive lock (`.camsift/labels.lock`, released by the
/// kernel even on kill -9), because reconciliation finishes interrupted actions and must not race a live one.
/// All operations are serialised on the store's connection; a bulk assign of hundreds of frames holds it for
/// the duration of its file writes, which is what keeps two actions from interleaving.
public final class LabelStore: Sendable {
    let layout: ArchiveLayout
    let db: Mutex<SQLiteDatabase>
    private let lockFD: Mutex<Int32>
    /// How many actions `undo` can revert, newest first.
    public let undoLimit: Int

    /// Opens (or creates) the index of the archive at `archive` and reconciles it with the folders: finishes an
    /// action a crash interrupted, removes temporary files, adds images found in label folders, drops rows
    /// whose file is gone.
    public init(archive: String, undoLimit: Int = 50) throws(LabelsError) {
        layout = ArchiveLayout(archive: archive)
        guard ArchiveFiles.isDirectory(layout.archive) else {
            throw LabelsError(.io, "archive '\(archive)' is not a directory; pass the directory holding "
                + "<label>/ folders (and unlabeled/)")
        }
        self.undoLimit = max(1, undoLimit)
        let database = try LabelsSchema.open(archive: archive)
        let fd = open(layout.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ArchiveFiles.ioError("open the lock file", layout.lock) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let e = errno
            Glibc.close(fd)
            if e == EWOULDBLOCK {
                throw LabelsError(.locked, "archive '\(layout.archive)' is open for labelling by another camsift "
                    + "process (lock '\(layout.lock)'); label through that process's console, or stop it first")
            }
            throw ArchiveFiles.ioError("lock", layout.lock, e)
        }
        lockFD = Mutex(fd)
        db = Mutex(database)
        try reconcile()
    }

    deinit { close() }

    /// Closes the index and releases the archive's lock. Further calls fail.
    public func close() {
        db.withLock { $0.close() }
        lockFD.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }
    }

    /// Runs `body` with the connection, under the store's lock.
    @discardableResult
    func withDatabase<T: Sendable>(_ body: (SQLiteDatabase) throws(LabelsError) -> T) throws(LabelsError) -> T {
        try db.withLock { (db: inout SQLiteDatabase) throws(LabelsError) -> T in try body(db) }
    }

    // MARK: labels

    /// Every label with its image count, by name. Empty (and logged) if the index cannot be read.
    public func labels() -> [LabelSummary] {
        do {
            return try withDatabase { db throws(LabelsError) in
                try db.query("""
                    SELECT l.name, l.created_at, COUNT(i.id) FROM labels l LEFT JOIN images i ON i.label = l.name
                    GROUP BY l.name ORDER BY l.name
                    """).map { LabelSummary(name: $0.text(0), count: Int($0.int(2)), createdAt: $0.double(1)) }
            }
        } catch {
            OperationalLog.warning("labels", "\(error)")
            return []
        }
    }

    /// Creates the label's folder and index row. The name must pass `LabelName.problem`; an existing label is
    /// an error (the console should offer it instead).
    @discardableResult
    public func createLabel(_ name: String) throws(LabelsError) -> LabelSummary {
        try LabelName.validate(name)
        let dir = layout.absolute(name)
        return try withDatabase { db throws(LabelsError) in
            guard !ArchiveFiles.exists(dir) else {
                throw LabelsError(.labelExists, "label '\(name)' already exists ('\(dir)'); assign to it instead")
            }
            // Folder first: a crash before the row is inserted leaves a folder, which the next open indexes.
            try ArchiveFiles.makeDirectories(dir)
            try ArchiveFiles.syncDirectory(layout.archive)
            let now = Timestamp.now()
            try db.run("INSERT OR IGNORE INTO labels(name, created_at) VALUES (?, ?)", [.text(name), .double(now)])
            return LabelSummary(name: name, count: 0, createdAt: now)
        }
    }

    /// Throws `unknownLabel` unless `name` is a valid label with a folder.
    func requireLabel(_ name: String) throws(LabelsError) {
        try LabelName.validate(name)
        guard ArchiveFiles.isDirectory(layout.absolute(name)) else {
            throw LabelsError(.unknownLabel, "label '\(name)' does not exist (no folder '\(layout.absolute(name))'); "
                + "create it first (console: New label; CLI: camsift label --as creates it)")
        }
    }

    /// Review items still pending (for `camsift label --list`, without starting a `ReviewQueue` writer).
    public func pendingReviewCount() throws(LabelsError) -> Int {
        Int(try withDatabase { db throws(LabelsError) in try db.scalar("SELECT COUNT(*) FROM review WHERE status = 0") })
    }

    // MARK: labelled images

    /// Labelled images of `label` (all labels when nil), by path.
    public func images(label: String? = nil, offset: Int = 0, limit: Int = 100) throws(LabelsError) -> [LabelledImage] {
        try withDatabase { db throws(LabelsError) in
            let sql = "SELECT id, path, label, camera, review_id, added_at FROM images"
                + (label == nil ? "" : " WHERE label = ?") + " ORDER BY path LIMIT ? OFFSET ?"
            let params: [SQLValue] = (label.map { [SQLValue.text($0)] } ?? []) + [.int(Int64(limit)), .int(Int64(offset))]
            return try db.query(sql, params).map(Self.image)
        }
    }

    static func image(_ r: SQLRow) -> LabelledImage {
        LabelledImage(id: LabelledImageID(rawValue: r.int(0)), path: r.text(1), label: r.text(2), camera: r.text(3),
                      reviewID: r.optionalInt(4).map { ReviewItemID($0) }, addedAt: r.double(5))
    }

    /// The camera folder name for a review item's camera: the id itself when it is a safe path component
    /// (daemon camera ids are), else `unknown`.
    static func cameraFolder(_ camera: String) -> String { CameraID.problem(camera) == nil ? camera : "unknown" }

    /// The camera of an archive-relative image path: `<label>/<camera>/…` gives `camera`, else `unknown`.
    static func camera(ofPath path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return parts.count >= 3 ? String(parts[1]) : "unknown"
    }

    /// The file name of a labelled review frame: capture time (UTC, sortable, no ':') and the review id.
    static func fileName(captured: Double, id: ReviewItemID) -> String {
        let stamp = Timestamp.rfc3339(captured).filter { $0 != "-" && $0 != ":" }
        return "\(stamp)-\(id.rawValue).jpg"
    }
}
