/// The index's tables, created by whichever of `LabelStore` and `ReviewQueue` opens the database first.
///
/// - `labels`: one row per label folder (the folder is the truth; the row adds its creation time).
/// - `images`: one row per JPEG under a label folder, keyed by its archive-relative path. Rebuilt from the
///   folders on every open, so it can never keep disagreeing with what `camsift train` reads.
/// - `review`: the review queue (AUTOINCREMENT: an id, which names a JPEG, is never reused). `status` is a `ReviewStatus` raw value, `reasons` a `ReviewReason` bit set; `origin` and `iteration` (added by `migrate`) describe label suggestions.
/// - `actions` / `action_items`: the journal and the undo stack. An action is written (state `pending`) before
///   any file is touched, so the next open can finish it; `done` actions are the undo stack; `undoing` marks an
///   undo whose files may be half removed.
/// - `training`: one row per training run, for the "enough data?" chart.
enum LabelsSchema {
    static let sql = """
        CREATE TABLE IF NOT EXISTS labels(
            name TEXT PRIMARY KEY,
            created_at REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS images(
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            label TEXT NOT NULL REFERENCES labels(name) ON DELETE CASCADE,
            camera TEXT NOT NULL,
            review_id INTEGER,
            added_at REAL NOT NULL);
        CREATE INDEX IF NOT EXISTS images_label ON images(label, camera);
        CREATE TABLE IF NOT EXISTS review(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            camera TEXT NOT NULL,
            captured REAL NOT NULL,
            label TEXT NOT NULL,
            score REAL NOT NULL,
            m0 TEXT,
            m1 TEXT,
            top TEXT NOT NULL,
            model TEXT NOT NULL,
            reasons INTEGER NOT NULL,
            status INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS review_status ON review(status, captured);
        CREATE TABLE IF NOT EXISTS actions(
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            label TEXT,
            at REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS action_items(
            action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
            review_id INTEGER NOT NULL,
            path TEXT,
            previous_status INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS action_items_action ON action_items(action_id);
        CREATE TABLE IF NOT EXISTS training(
            id INTEGER PRIMARY KEY,
            model TEXT NOT NULL,
            at REAL NOT NULL,
            f1 TEXT NOT NULL,
            counts TEXT NOT NULL);
        """

    /// Opens the archive's database, creating `.camsift/` and the tables when missing.
    static func open(archive: String) throws(LabelsError) -> SQLiteDatabase {
        let layout = ArchiveLayout(archive: archive)
        try ArchiveFiles.makeDirectories(layout.review)
        let db = try SQLiteDatabase(path: layout.database)
        try db.execute(sql)
        try migrate(db)
        return db
    }

    /// Columns added after the first release, added to an older database in place (ALTER TABLE … ADD COLUMN keeps
    /// every row; old rows read as NULL): `review.origin` (the archived frame a suggestion was made for, so the same
    /// frame is not suggested twice) and `review.iteration` (the propagation iteration the suggestion appeared in).
    static func migrate(_ db: SQLiteDatabase) throws(LabelsError) {
        let have = Set(try db.query("PRAGMA table_info(review)").map { $0.text(1) })
        if !have.contains("origin") { try db.execute("ALTER TABLE review ADD COLUMN origin TEXT") }
        if !have.contains("iteration") { try db.execute("ALTER TABLE review ADD COLUMN iteration INTEGER") }
        try db.execute("CREATE INDEX IF NOT EXISTS review_origin ON review(origin)")
    }
}
