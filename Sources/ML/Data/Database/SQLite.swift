import CSQLite

/// A thin wrapper over SQLite's C API: the only place in this module that touches its pointers.
final class SQLiteConnection {
    private var db: OpaquePointer?
    private let path: String

    init(path: String, create: Bool) throws(MLError) {
        self.path = path
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw MLError("cannot open SQLite database \(path): \(message)")
        }
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit { sqlite3_close(db) }

    private func failure(_ what: String) -> MLError { MLError("SQLite \(path): \(what): \(String(cString: sqlite3_errmsg(db)))") }

    func execute(_ sql: String) throws(MLError) {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw failure(sql.prefix(60) + (sql.count > 60 ? "..." : "")) }
    }

    /// Inserts `rows` with one prepared statement; an empty cell is NULL, typed cells are bound as their type.
    func insert(_ sql: String, rows: [[String]], types: [ColumnKind]) throws(MLError) {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { throw failure("prepare insert") }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for row in rows {
            sqlite3_reset(statement)
            for (k, cell) in row.enumerated() {
                let i = Int32(k + 1)
                if cell.isEmpty { sqlite3_bind_null(statement, i); continue }
                switch types[k] {
                case .integer: sqlite3_bind_int64(statement, i, Int64(cell)!)
                case .real: sqlite3_bind_double(statement, i, Double(cell)!)
                case .text: sqlite3_bind_text(statement, i, cell, -1, transient)
                }
            }
            guard sqlite3_step(statement) == SQLITE_DONE else { throw failure("insert") }
        }
    }

    /// The result of a query as text cells: integers in decimal, reals in their shortest round-trip form, NULL empty.
    func query(_ sql: String) throws(MLError) -> (header: [String], rows: [[String]]) {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { throw failure("query") }
        defer { sqlite3_finalize(statement) }
        let n = sqlite3_column_count(statement)
        let header = (0..<n).map { String(cString: sqlite3_column_name(statement, $0)) }
        var rows: [[String]] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw failure("query") }
            rows.append((0..<n).map { i in
                switch sqlite3_column_type(statement, i) {
                case SQLITE_NULL: return ""
                case SQLITE_INTEGER: return String(sqlite3_column_int64(statement, i))
                case SQLITE_FLOAT: return ColumnKind.text(sqlite3_column_double(statement, i))
                default: return sqlite3_column_text(statement, i).map { String(cString: $0) } ?? ""
                }
            })
        }
        return (header, rows)
    }
}
