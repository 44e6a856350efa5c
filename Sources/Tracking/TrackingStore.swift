import Foundation
import GRDB

/// The run history in one SQLite file (`.proj/tracking.db` by default), through GRDB: a pool of readers
/// beside one writer (WAL), so the UI reads while a run writes. Metric points have their own table keyed by
/// (run, key, step) and each metric's latest value its own, so listing runs never touches the points;
/// NaN and infinities are stored as flags beside a 0, as SQLite has no NaN.
public final class TrackingStore: Sendable {
    let pool: DatabasePool
    /// Where the history is, for messages.
    public let location: String

    /// Opens (creating when missing) the history at `path`; a write waits up to `busyTimeout` seconds for
    /// another process's.
    public init(path: String, busyTimeout: TimeInterval = 30) throws(TrackingError) {
        location = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        // WAL with synchronous=NORMAL: a commit survives the process being killed, and only a power loss can
        // take back the last few; without it every logged batch waits for an fsync.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try TrackingStore.migrator.migrate(pool)
            self.pool = pool
        } catch {
            throw TrackingError.database(error, location: path)
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

    func write<T>(_ body: (Database) throws -> T) throws(TrackingError) -> T {
        try worded { try pool.write(body) }
    }

    func read<T>(_ body: (Database) throws -> T) throws(TrackingError) -> T {
        try worded { try pool.read(body) }
    }

    /// `access`, its database errors said in the user's terms (`TrackingError.database`).
    private func worded<T>(_ access: () throws -> T) throws(TrackingError) -> T {
        do { return try access() } catch let error as TrackingError { throw error } catch { throw TrackingError.database(error, location: location) }
    }

    // MARK: - Values SQLite cannot hold

    /// A metric value as stored: the value, or 0 with a flag for NaN (1), +inf (2) and -inf (3).
    static func stored(_ value: Double) -> (Double, Int) {
        if value.isNaN { return (0, 1) }
        if value.isInfinite { return (0, value > 0 ? 2 : 3) }
        return (value, 0)
    }

    static func value(_ stored: Double, flag: Int) -> Double {
        switch flag {
        case 1: .nan
        case 2: .infinity
        case 3: -.infinity
        default: stored
        }
    }

    /// Milliseconds since 1970.
    public static var nowMs: Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
