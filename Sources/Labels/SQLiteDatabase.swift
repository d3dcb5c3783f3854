import CSQLite

/// A value bound to or read from a statement.
enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
}

/// One result row; accessors convert loosely (an integer column read as Double is fine) so callers stay short.
struct SQLRow {
    let values: [SQLValue]

    func int(_ i: Int) -> Int64 {
        switch values[i] {
        case .int(let v): v
        case .double(let v): Int64(v)
        default: 0
        }
    }

    func double(_ i: Int) -> Double {
        switch values[i] {
        case .int(let v): Double(v)
        case .double(let v): v
        default: 0
        }
    }

    func text(_ i: Int) -> String {
        if case .text(let s) = values[i] { return s }
        return ""
    }

    func optionalText(_ i: Int) -> String? {
        if case .text(let s) = values[i] { return s }
        return nil
    }

    func optionalInt(_ i: Int) -> Int64? {
        if case .int(let v) = values[i] { return v }
        return nil
    }
}

/// The one place camsift talks to SQLite. Every `sqlite3_*` call's result is checked here and turned into a
/// `LabelsError` carrying `sqlite3_errmsg` and the database path, so no caller can silently ignore a failed
/// step. Not thread-safe by itself: each owner keeps its connection inside a `Mutex` (one connection per
/// owner, so the review writer never waits on a console query holding another connection's lock).
final class SQLiteDatabase {
    let path: String
    private var db: OpaquePointer?
    /// Prepared statements by SQL text: the same few statements run thousands of times (offers, bulk assigns).
    private var statements: [String: OpaquePointer] = [:]
    private var inTransaction = false

    /// Opens or creates `path` in WAL mode (readers never block the writer; a crash leaves the last committed
    /// transaction), `synchronous=FULL` (a commit survives a power cut, the promise the journal relies on),
    /// a 5 s busy timeout (the review writer and the label store share the file), and foreign keys on.
    init(path: String) throws(LabelsError) {
        self.path = path
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let msg = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close(handle)
            throw LabelsError(.database, "cannot open label index '\(path)': \(msg); check the directory exists "
                + "and is writable, or delete the file to rebuild the index from the label folders")
        }
        db = handle
        guard sqlite3_busy_timeout(handle, 5000) == SQLITE_OK else { throw failure("set busy_timeout") }
        try execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
    }

    deinit { close() }

    func close() {
        for (_, s) in statements { sqlite3_finalize(s) }
        statements = [:]
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    /// The error for the last failed call, naming what we were doing, SQLite's message and the file.
    func failure(_ doing: String) -> LabelsError {
        let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "database is closed"
        return LabelsError(.database, "label index '\(path)': \(doing) failed: \(msg); if the file is damaged, "
            + "stop camsift and delete it (and its -wal/-shm files): it is rebuilt from the label folders")
    }

    /// Runs one or more statements without parameters (schema, pragmas).
    func execute(_ sql: String) throws(LabelsError) {
        guard let db else { throw failure("execute") }
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw LabelsError(.database, "label index '\(path)': '\(sql.prefix(60))' failed: \(msg)")
        }
    }

    private func prepared(_ sql: String) throws(LabelsError) -> OpaquePointer {
        if let s = statements[sql] { return s }
        guard let db else { throw failure("prepare") }
        var s: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &s, nil) == SQLITE_OK, let s else {
            throw failure("prepare '\(sql.prefix(60))'")
        }
        statements[sql] = s
        return s
    }

    private func bind(_ s: OpaquePointer, _ params: [SQLValue], _ sql: String) throws(LabelsError) {
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch p {
            case .null: rc = sqlite3_bind_null(s, idx)
            case .int(let v): rc = sqlite3_bind_int64(s, idx, v)
            case .double(let v): rc = sqlite3_bind_double(s, idx, v)
            case .text(let v): rc = sqlite3_bind_text(s, idx, v, -1, csqlite_transient())
            }
            guard rc == SQLITE_OK else { throw failure("bind parameter \(idx) of '\(sql.prefix(60))'") }
        }
    }

    /// Runs a statement that returns no rows; returns the number of rows changed.
    @discardableResult
    func run(_ sql: String, _ params: [SQLValue] = []) throws(LabelsError) -> Int {
        let s = try prepared(sql)
        defer { sqlite3_reset(s); sqlite3_clear_bindings(s) }
        try bind(s, params, sql)
        var rc = sqlite3_step(s)
        while rc == SQLITE_ROW { rc = sqlite3_step(s) }
        guard rc == SQLITE_DONE else { throw failure("'\(sql.prefix(60))'") }
        return Int(sqlite3_changes(db))
    }

    /// Runs a query and returns every row.
    func query(_ sql: String, _ params: [SQLValue] = []) throws(LabelsError) -> [SQLRow] {
        let s = try prepared(sql)
        defer { sqlite3_reset(s); sqlite3_clear_bindings(s) }
        try bind(s, params, sql)
        var rows: [SQLRow] = []
        let n = sqlite3_column_count(s)
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw failure("'\(sql.prefix(60))'") }
            var values: [SQLValue] = []
            values.reserveCapacity(Int(n))
            for c in 0..<n {
                switch sqlite3_column_type(s, c) {
                case SQLITE_INTEGER: values.append(.int(sqlite3_column_int64(s, c)))
                case SQLITE_FLOAT: values.append(.double(sqlite3_column_double(s, c)))
                case SQLITE_NULL: values.append(.null)
                default: values.append(.text(sqlite3_column_text(s, c).map { String(cString: $0) } ?? ""))
                }
            }
            rows.append(SQLRow(values: values))
        }
        return rows
    }

    /// The single integer a `SELECT COUNT(*)` / `SELECT MAX(...)` returns (0 for NULL).
    func scalar(_ sql: String, _ params: [SQLValue] = []) throws(LabelsError) -> Int64 {
        try query(sql, params).first?.int(0) ?? 0
    }

    var lastInsertRowID: Int64 { db.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction (the write lock is taken up front, so two writers wait
    /// on the busy timeout instead of failing mid-way); commits if it returns, rolls back if it throws.
    func transaction<T>(_ body: () throws(LabelsError) -> T) throws(LabelsError) -> T {
        precondition(!inTransaction, "nested SQLite transaction")
        try execute("BEGIN IMMEDIATE")
        inTransaction = true
        defer { inTransaction = false }
        let result: T
        do {
            result = try body()
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
        do {
            try execute("COMMIT")
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
        return result
    }
}
