/// The run history's schema, one migration after another, written once in SQLite's words: the SQLite history
/// registers each with GRDB's migrator by name, the PostgreSQL history applies the same list (`postgres`
/// translates the types) and counts what it applied in `proj_schema`. A migration, once released, never changes.
enum HistorySchema {
    static let migrations: [(name: String, sql: String)] = [
        ("v1", """
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
        
        """),
        // MLflow's client logs into experiment 0, "Default", when none is set.
        ("v2: default experiment", "INSERT INTO experiments (id, name, created_ms) VALUES (0, 'Default', 0) ON CONFLICT DO NOTHING"),
        // Which stages each stage depends on (the run's DAG), and the small JSON files a run wrote (reports such
        // as the drift report, the bundle's manifest), for the run's page.
        ("v3: stage upstream, documents", """
        ALTER TABLE stages ADD COLUMN upstream TEXT NOT NULL DEFAULT '';
        CREATE TABLE documents (
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            content TEXT NOT NULL,
            PRIMARY KEY (run_id, name)
        ) WITHOUT ROWID;
        
        """),
    ]

    /// A migration in PostgreSQL's words: 64-bit integers, double precision, a sequence for the experiments'
    /// ids, and no `WITHOUT ROWID` (every PostgreSQL table is kept apart from its primary key).
    static func postgres(_ sql: String) -> String {
        sql.replacingOccurrences(of: "INTEGER PRIMARY KEY AUTOINCREMENT", with: "BIGSERIAL PRIMARY KEY")
            .replacing(/\bINTEGER\b/, with: "BIGINT")
            .replacing(/\bREAL\b/, with: "DOUBLE PRECISION")
            .replacingOccurrences(of: ") WITHOUT ROWID;", with: ");")
    }
}
