import Foundation
import GRDB

extension TrackingStore {
    /// Starts a run (status `running`) and returns its id: 32 hex digits.
    public func createRun(_ run: NewRun) throws(TrackingError) -> String {
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try write { db in
            let experiment = try TrackingStore.experimentID(db, name: run.experiment, now: run.startedMs)
            try db.execute(sql: """
                INSERT INTO runs (id, experiment_id, name, source, status, started_ms, git_revision, git_dirty, host, pid)
                VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)
                """, arguments: [id, experiment, run.name, run.source, run.startedMs, run.gitRevision, run.gitDirty, run.host, run.pid])
        }
        return id
    }

    /// Creates the experiment `name`; it must not exist yet.
    public func createExperiment(_ name: String) throws(TrackingError) -> Int64 {
        guard !name.isEmpty else { throw TrackingError.invalid("an experiment needs a name") }
        return try write { db in
            guard try Int64.fetchOne(db, sql: "SELECT id FROM experiments WHERE name = ?", arguments: [name]) == nil else {
                throw TrackingError.exists("an experiment named '\(name)' exists already")
            }
            return try TrackingStore.experimentID(db, name: name, now: TrackingStore.nowMs)
        }
    }

    /// Changes what is given of a run: its status, end time, name.
    public func updateRun(_ run: String, status: RunStatus?, endedMs: Int64?, name: String?) throws(TrackingError) {
        try write { db in
            try TrackingStore.requireRun(db, run)
            if let status { try db.execute(sql: "UPDATE runs SET status = ? WHERE id = ?", arguments: [status.rawValue, run]) }
            if let endedMs { try db.execute(sql: "UPDATE runs SET ended_ms = ? WHERE id = ?", arguments: [endedMs, run]) }
            if let name { try db.execute(sql: "UPDATE runs SET name = ? WHERE id = ?", arguments: [name, run]) }
        }
    }

    /// The experiment called `name`, created when missing.
    static func experimentID(_ db: Database, name: String, now: Int64) throws -> Int64 {
        try db.execute(sql: "INSERT INTO experiments (name, created_ms) VALUES (?, ?) ON CONFLICT(name) DO NOTHING", arguments: [name, now])
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM experiments WHERE name = ?", arguments: [name]) else {
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

    /// Logs params, tags and metric points in one transaction: all of it lands, or none. A param or tag
    /// logged again takes the new value; a point at a step already logged replaces it. Each metric's latest
    /// value (highest step, then newest) is kept up to date beside the points.
    public func logBatch(_ run: String, params: [(key: String, value: String)] = [], metrics: [MetricPoint] = [],
                         tags: [(key: String, value: String)] = []) throws(TrackingError) {
        try write { db in
            try TrackingStore.requireRun(db, run)
            for (table, pairs) in [("params", params), ("tags", tags)] where !pairs.isEmpty {
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO \(table) (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value
                    """)
                for p in pairs { try statement.execute(arguments: [run, p.key, p.value]) }
            }
            guard !metrics.isEmpty else { return }
            let point = try db.cachedStatement(sql: """
                INSERT INTO metric_points (run_id, key, step, timestamp_ms, value, flag) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(run_id, key, step) DO UPDATE SET timestamp_ms = excluded.timestamp_ms, value = excluded.value, flag = excluded.flag
                """)
            let latest = try db.cachedStatement(sql: """
                INSERT INTO latest_metrics (run_id, key, step, timestamp_ms, value, flag) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(run_id, key) DO UPDATE SET step = excluded.step, timestamp_ms = excluded.timestamp_ms,
                    value = excluded.value, flag = excluded.flag
                WHERE excluded.step > latest_metrics.step
                   OR (excluded.step = latest_metrics.step AND excluded.timestamp_ms >= latest_metrics.timestamp_ms)
                """)
            // Each key's latest point of the batch (highest step, then newest, then last given) meets the stored one once.
            var newest: [String: MetricPoint] = [:]
            for p in metrics {
                let (value, flag) = TrackingStore.stored(p.value)
                try point.execute(arguments: [run, p.key, p.step, p.timestampMs, value, flag])
                if let q = newest[p.key], (q.step, q.timestampMs) > (p.step, p.timestampMs) { continue }
                newest[p.key] = p
            }
            for p in newest.values {
                let (value, flag) = TrackingStore.stored(p.value)
                try latest.execute(arguments: [run, p.key, p.step, p.timestampMs, value, flag])
            }
        }
    }

    public func recordStages(_ run: String, _ stages: [StageRecord]) throws(TrackingError) {
        try write { db in
            try TrackingStore.requireRun(db, run)
            let statement = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO stages (run_id, position, stage, outcome, fingerprint, reasons, seconds, outs, message, upstream)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (position, s) in stages.enumerated() {
                let outs = s.outs.sorted { $0.key < $1.key }.map { "\($0.key)\t\($0.value)" }.joined(separator: "\n")
                try statement.execute(arguments: [run, position, s.stage, s.outcome, s.fingerprint, s.reasons.joined(separator: "\n"), s.seconds, outs,
                                                  s.message, s.upstream.joined(separator: "\n")])
            }
        }
    }

    /// Keeps documents with the run (name -> text, JSON as written), replacing any of the same name.
    public func recordDocuments(_ run: String, _ documents: [(name: String, content: String)]) throws(TrackingError) {
        guard !documents.isEmpty else { return }
        try write { db in
            try TrackingStore.requireRun(db, run)
            let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO documents (run_id, name, content) VALUES (?, ?, ?)")
            for document in documents { try statement.execute(arguments: [run, document.name, document.content]) }
        }
    }

    /// Records the run's outcome and end; `bundle` is the bundle it built, if any.
    public func finish(_ run: String, status: RunStatus, endedMs: Int64, failedStage: String? = nil, message: String? = nil,
                       bundle: BuiltBundle? = nil) throws(TrackingError) {
        try write { db in
            try TrackingStore.requireRun(db, run)
            try db.execute(sql: """
                UPDATE runs SET status = ?, ended_ms = ?, failed_stage = ?, message = ?, bundle_name = ?, bundle_version = ?, bundle_digest = ?
                WHERE id = ?
                """, arguments: [status.rawValue, endedMs, failedStage, message, bundle?.name, bundle?.version, bundle?.digest, run])
        }
    }

    /// Removes runs with everything recorded for them.
    public func deleteRuns(_ ids: [String]) throws(TrackingError) {
        try write { db in
            for id in ids { try db.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [id]) }
        }
    }

    /// Runs of `host` still marked running whose process is gone (`isAlive` says no) become interrupted:
    /// a run killed outright never reads as running, let alone succeeded. Returns how many changed.
    @discardableResult
    public func reconcile(host: String, isAlive: (Int32) -> Bool) throws(TrackingError) -> Int {
        let running = try read { db in
            try Row.fetchAll(db, sql: "SELECT id, pid FROM runs WHERE status = 'running' AND host = ? AND pid > 0", arguments: [host])
                .map { (id: $0["id"] as String, pid: $0["pid"] as Int32) }
        }
        let gone = running.filter { !isAlive($0.pid) }.map(\.id)
        guard !gone.isEmpty else { return 0 }
        try write { db in
            for id in gone {
                try db.execute(sql: """
                    UPDATE runs SET status = 'interrupted', message = 'its process ended without recording an outcome (killed?)'
                    WHERE id = ? AND status = 'running'
                    """, arguments: [id])
            }
        }
        return gone.count
    }

    static func requireRun(_ db: Database, _ run: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM runs WHERE id = ?", arguments: [run]) == true else {
            throw TrackingError.notFound("no run '\(run)' in the run history")
        }
    }
}
