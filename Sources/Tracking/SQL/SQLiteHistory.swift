import Foundation
import GRDB

/// A run history in one SQLite file, through GRDB: a pool of readers beside one writer (WAL), so the UI
/// reads while a run writes; a write waits up to `busyTimeout` seconds for another process's.
final class SQLiteHistory: HistoryDatabase {
    let pool: DatabasePool
    let location: String

    init(path: String, busyTimeout: TimeInterval) throws(TrackingError) {
        location = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        // WAL with synchronous=NORMAL: a commit survives the process being killed, and only a power loss can
        // take back the last few; without it every logged batch waits for an fsync.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try SQLiteHistory.migrator.migrate(pool)
            self.pool = pool
        } catch {
            throw SQLiteHistory.worded(error, location: path)
        }
    }

    func read<T>(_ body: (any SQLSession) throws -> T) throws(TrackingError) -> T {
        do { return try pool.read { db in try body(Session(db: db)) } } catch { throw SQLiteHistory.worded(error, location: location) }
    }

    func write<T>(_ body: (any SQLSession) throws -> T) throws(TrackingError) -> T {
        do { return try pool.write { db in try body(Session(db: db)) } } catch { throw SQLiteHistory.worded(error, location: location) }
    }

    /// GRDB's connection as a session; statements are prepared once per connection and text.
    struct Session: SQLSession {
        let db: Database

        func execute(_ sql: String, _ arguments: [SQLValue]) throws {
            try db.cachedStatement(sql: sql).execute(arguments: Session.arguments(arguments))
        }

        func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
            let statement = try db.cachedStatement(sql: sql)
            var columns: [String: Int] = [:]
            for (i, name) in statement.columnNames.enumerated() where columns[name] == nil { columns[name] = i }
            return try Row.fetchAll(statement, arguments: Session.arguments(arguments)).map { row in
                SQLRow(columns: columns, values: (0..<row.count).map { i in
                    switch (row[i] as DatabaseValue).storage {
                    case .null: .null
                    case .int64(let v): .integer(v)
                    case .double(let v): .real(v)
                    case .string(let v): .text(v)
                    case .blob(let v): .text(String(decoding: v, as: UTF8.self))
                    }
                })
            }
        }

        static func arguments(_ values: [SQLValue]) -> StatementArguments {
            StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .null: nil
                case .integer(let v): v
                case .real(let v): v
                case .text(let v): v
                }
            })
        }
    }

    /// A database error on `location`, said in the user's terms with what to do about it.
    static func worded(_ error: any Error, location: String) -> TrackingError {
        if let error = error as? TrackingError { return error }
        guard let error = error as? DatabaseError else { return .store("the run history \(location): \(error)") }
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return .store("the run history \(location) is damaged or not a SQLite database (\(error.message ?? "unreadable")): move it away and proj starts a new one")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .store("the run history \(location) stayed locked by another process; try again when it has finished")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_IOERR, .SQLITE_FULL:
            return .store("cannot write the run history \(location): \(error.message ?? "\(error.resultCode)")")
        default:
            return .store("the run history \(location): \(error.message ?? "\(error.resultCode)")")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE experiments (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    created_ms INTEGER NOT NULL,
                    lifecycle TEXT NOT NULL DEFAULT 'active'
                );
                CREATE TABLE runs (
                    id TEXT PRIMARY KEY,
                    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
                    name TEXT NOT NULL DEFAULT '',
                    source TEXT NOT NULL,
                    status TEXT NOT NULL,
                    started_ms INTEGER NOT NULL,
                    ended_ms INTEGER,
                    git_revision TEXT,
                    git_dirty INTEGER,
                    failed_stage TEXT,
                    message TEXT,
                    host TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    bundle_name TEXT,
                    bundle_version TEXT,
                    bundle_digest TEXT
                );
                CREATE INDEX runs_by_start ON runs(started_ms DESC);
                CREATE INDEX runs_by_experiment ON runs(experiment_id, started_ms DESC);
                CREATE TABLE params (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (run_id, key)
                ) WITHOUT ROWID;
                CREATE TABLE tags (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (run_id, key)
                ) WITHOUT ROWID;
                CREATE TABLE metric_points (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    step INTEGER NOT NULL,
                    timestamp_ms INTEGER NOT NULL,
                    value REAL NOT NULL,
                    flag INTEGER NOT NULL,
                    PRIMARY KEY (run_id, key, step)
                ) WITHOUT ROWID;
                CREATE TABLE latest_metrics (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    step INTEGER NOT NULL,
                    timestamp_ms INTEGER NOT NULL,
                    value REAL NOT NULL,
                    flag INTEGER NOT NULL,
                    PRIMARY KEY (run_id, key)
                ) WITHOUT ROWID;
                CREATE TABLE stages (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    stage TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    fingerprint TEXT,
                    reasons TEXT NOT NULL,
                    seconds REAL NOT NULL,
                    outs TEXT NOT NULL,
                    message TEXT,
                    PRIMARY KEY (run_id, stage)
                ) WITHOUT ROWID;
                """)
        }
        // MLflow's client logs into experiment 0, "Default", when none is set.
        migrator.registerMigration("v2: default experiment") { db in
            try db.execute(sql: "INSERT OR IGNORE INTO experiments (id, name, created_ms) VALUES (0, 'Default', 0)")
        }
        // Which stages each stage depends on (the run's DAG), and the small JSON files a run wrote (reports such
        // as the drift report, the bundle's manifest), for the run's page.
        migrator.registerMigration("v3: stage upstream, documents") { db in
            try db.execute(sql: """
                ALTER TABLE stages ADD COLUMN upstream TEXT NOT NULL DEFAULT '';
                CREATE TABLE documents (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    content TEXT NOT NULL,
                    PRIMARY KEY (run_id, name)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }

}
