import Foundation

extension TrackingStore {
    /// Starts a run (status `running`) and returns its id: 32 hex digits.
    public func createRun(_ run: NewRun) throws(TrackingError) -> String {
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try write { db in
            let experiment = try TrackingStore.experimentID(db, name: run.experiment, now: run.startedMs)
            try db.execute("""
                INSERT INTO runs (id, experiment_id, name, source, status, started_ms, git_revision, git_dirty, host, pid)
                VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)
                """, [.text(id), .integer(experiment), .text(run.name), .text(run.source), .integer(run.startedMs), SQLValue(run.gitRevision),
                      SQLValue(run.gitDirty), .text(run.host), SQLValue(run.pid)])
        }
        return id
    }

    /// Creates the experiment `name`; it must not exist yet.
    public func createExperiment(_ name: String) throws(TrackingError) -> Int64 {
        guard !name.isEmpty else { throw TrackingError.invalid("an experiment needs a name") }
        return try write { db in
            guard try db.row("SELECT id FROM experiments WHERE name = ?", [.text(name)]) == nil else {
                throw TrackingError.exists("an experiment named '\(name)' exists already")
            }
            return try TrackingStore.experimentID(db, name: name, now: TrackingStore.nowMs)
        }
    }

    /// Changes what is given of a run: its status, end time, name.
    public func updateRun(_ run: String, status: RunStatus?, endedMs: Int64?, name: String?) throws(TrackingError) {
        try write { db in
            try TrackingStore.requireRun(db, run)
            if let status { try db.execute("UPDATE runs SET status = ? WHERE id = ?", [.text(status.rawValue), .text(run)]) }
            if let endedMs { try db.execute("UPDATE runs SET ended_ms = ? WHERE id = ?", [.integer(endedMs), .text(run)]) }
            if let name { try db.execute("UPDATE runs SET name = ? WHERE id = ?", [.text(name), .text(run)]) }
        }
    }

    /// The experiment called `name`, created when missing.
    static func experimentID(_ db: any SQLSession, name: String, now: Int64) throws -> Int64 {
        try db.execute("INSERT INTO experiments (name, created_ms) VALUES (?, ?) ON CONFLICT(name) DO NOTHING", [.text(name), .integer(now)])
        guard let id: Int64 = try db.row("SELECT id FROM experiments WHERE name = ?", [.text(name)])?["id"] else {
            throw TrackingError.store("the run history lost the experiment '\(name)' while creating it")
        }
        return id
    }

    public func logParams(_ run: String, _ params: [(key: String, value: String)]) throws(TrackingError) {
        try logBatch(run, params: params)
    }

    public func setTags(_ run: String, _ tags: [(key: String, value: String)]) throws(TrackingError) {
        try logBatch(run, tags: tags)
    }

    public func logMetrics(_ run: String, _ points: [MetricPoint]) throws(TrackingError) {
        try logBatch(run, metrics: points)
    }

    /// Rows per multi-row INSERT: 6 values each stays well under both databases' parameter limits.
    static let rowsPerInsert = 500

    /// Logs params, tags and metric points in one transaction: all of it lands, or none. A param or tag
    /// logged again takes the new value; a point at a step already logged replaces it (the last one given
    /// wins). Each metric's latest value (highest step, then newest) is kept up to date beside the points.
    /// Rows are written in key order, so two machines logging into one run never wait on each other in turn.
    public func logBatch(_ run: String, params: [(key: String, value: String)] = [], metrics: [MetricPoint] = [],
                         tags: [(key: String, value: String)] = []) throws(TrackingError) {
        var unique: [String: [Int64: MetricPoint]] = [:]
        var newest: [String: MetricPoint] = [:]
        for p in metrics {
            unique[p.key, default: [:]][p.step] = p
            if let q = newest[p.key], (q.step, q.timestampMs) > (p.step, p.timestampMs) { continue }
            newest[p.key] = p
        }
        try write { db in
            try TrackingStore.requireRun(db, run)
            for (table, pairs) in [("params", params), ("tags", tags)] where !pairs.isEmpty {
                let last = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
                for key in last.keys.sorted() {
                    try db.execute("INSERT INTO \(table) (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value",
                                   [.text(run), .text(key), .text(last[key]!)])
                }
            }
            guard !metrics.isEmpty else { return }
            var rows: [[SQLValue]] = []
            rows.reserveCapacity(metrics.count)
            for key in unique.keys.sorted() {
                for (step, p) in unique[key]!.sorted(by: { $0.key < $1.key }) {
                    let (value, flag) = TrackingStore.stored(p.value)
                    rows.append([.text(run), .text(key), .integer(step), .integer(p.timestampMs), .real(value), .integer(Int64(flag))])
                }
            }
            try TrackingStore.insert(db, rows, into: "metric_points (run_id, key, step, timestamp_ms, value, flag)", conflict: """
                ON CONFLICT(run_id, key, step) DO UPDATE SET timestamp_ms = excluded.timestamp_ms, value = excluded.value, flag = excluded.flag
                """)
            for key in newest.keys.sorted() {
                let p = newest[key]!
                let (value, flag) = TrackingStore.stored(p.value)
                try db.execute("""
                    INSERT INTO latest_metrics (run_id, key, step, timestamp_ms, value, flag) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(run_id, key) DO UPDATE SET step = excluded.step, timestamp_ms = excluded.timestamp_ms,
                        value = excluded.value, flag = excluded.flag
                    WHERE excluded.step > latest_metrics.step
                       OR (excluded.step = latest_metrics.step AND excluded.timestamp_ms >= latest_metrics.timestamp_ms)
                    """, [.text(run), .text(key), .integer(p.step), .integer(p.timestampMs), .real(value), .integer(Int64(flag))])
            }
        }
    }

    /// `rows` into `target` (`table (columns)`) with multi-row INSERTs of `rowsPerInsert` rows, `conflict`
    /// saying what a row that exists becomes. No two rows may share a key.
    static func insert(_ db: any SQLSession, _ rows: [[SQLValue]], into target: String, conflict: String) throws {
        guard let width = rows.first?.count else { return }
        let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        for start in stride(from: 0, to: rows.count, by: rowsPerInsert) {
            let chunk = rows[start..<min(rows.count, start + rowsPerInsert)]
            try db.execute("INSERT INTO \(target) VALUES " + Array(repeating: tuple, count: chunk.count).joined(separator: ", ") + " " + conflict,
                           chunk.flatMap { $0 })
        }
    }

    public func recordStages(_ run: String, _ stages: [StageRecord]) throws(TrackingError) {
        try write { db in
            try TrackingStore.requireRun(db, run)
            for (position, s) in stages.enumerated() {
                let outs = s.outs.sorted { $0.key < $1.key }.map { "\($0.key)\t\($0.value)" }.joined(separator: "\n")
                try db.execute("""
                    INSERT INTO stages (run_id, position, stage, outcome, fingerprint, reasons, seconds, outs, message, upstream)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(run_id, stage) DO UPDATE SET position = excluded.position, outcome = excluded.outcome,
                        fingerprint = excluded.fingerprint, reasons = excluded.reasons, seconds = excluded.seconds, outs = excluded.outs,
                        message = excluded.message, upstream = excluded.upstream
                    """, [.text(run), SQLValue(position), .text(s.stage), .text(s.outcome), SQLValue(s.fingerprint), .text(s.reasons.joined(separator: "\n")),
                          .real(s.seconds), .text(outs), SQLValue(s.message), .text(s.upstream.joined(separator: "\n"))])
            }
        }
    }

    /// Keeps documents with the run (name -> text, JSON as written), replacing any of the same name.
    public func recordDocuments(_ run: String, _ documents: [(name: String, content: String)]) throws(TrackingError) {
        guard !documents.isEmpty else { return }
        try write { db in
            try TrackingStore.requireRun(db, run)
            for document in documents {
                try db.execute("INSERT INTO documents (run_id, name, content) VALUES (?, ?, ?) ON CONFLICT(run_id, name) DO UPDATE SET content = excluded.content",
                               [.text(run), .text(document.name), .text(document.content)])
            }
        }
    }

    /// Records the run's outcome and end; `bundle` is the bundle it built, if any.
    public func finish(_ run: String, status: RunStatus, endedMs: Int64, failedStage: String? = nil, message: String? = nil,
                       bundle: BuiltBundle? = nil) throws(TrackingError) {
        try write { db in
            try TrackingStore.requireRun(db, run)
            try db.execute("""
                UPDATE runs SET status = ?, ended_ms = ?, failed_stage = ?, message = ?, bundle_name = ?, bundle_version = ?, bundle_digest = ?
                WHERE id = ?
                """, [.text(status.rawValue), .integer(endedMs), SQLValue(failedStage), SQLValue(message), SQLValue(bundle?.name),
                      SQLValue(bundle?.version), SQLValue(bundle?.digest), .text(run)])
        }
    }

    /// Removes runs with everything recorded for them.
    public func deleteRuns(_ ids: [String]) throws(TrackingError) {
        try write { db in
            for id in ids { try db.execute("DELETE FROM runs WHERE id = ?", [.text(id)]) }
        }
    }

    /// Runs of `host` still marked running whose process is gone (`isAlive` says no) become interrupted:
    /// a run killed outright never reads as running, let alone succeeded. Returns how many changed.
    @discardableResult
    public func reconcile(host: String, isAlive: (Int32) -> Bool) throws(TrackingError) -> Int {
        let running = try read { db in
            try db.rows("SELECT id, pid FROM runs WHERE status = 'running' AND host = ? AND pid > 0", [.text(host)])
                .compactMap { row -> (id: String, pid: Int32)? in
                    guard let id: String = row["id"], let pid: Int32 = row["pid"] else { return nil }
                    return (id, pid)
                }
        }
        let gone = running.filter { !isAlive($0.pid) }.map(\.id)
        guard !gone.isEmpty else { return 0 }
        try write { db in
            for id in gone {
                try db.execute("""
                    UPDATE runs SET status = 'interrupted', message = 'its process ended without recording an outcome (killed?)'
                    WHERE id = ? AND status = 'running'
                    """, [.text(id)])
            }
        }
        return gone.count
    }

    static func requireRun(_ db: any SQLSession, _ run: String) throws {
        guard try db.row("SELECT 1 AS found FROM runs WHERE id = ?", [.text(run)]) != nil else {
            throw TrackingError.notFound("no run '\(run)' in the run history")
        }
    }
}
