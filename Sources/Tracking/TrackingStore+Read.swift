import Foundation

extension TrackingStore {
    /// Runs, newest first (of one experiment when named), with their params, tags and each metric's latest value:
    /// the runs table's data, read without touching the metric points.
    public func runs(experiment: String? = nil, experimentIDs: [Int64]? = nil, limit: Int = 1000, offset: Int = 0) throws(TrackingError) -> [RunSummary] {
        try read { db in
            var (sql, arguments) = TrackingStore.select(experiment: experiment, experimentIDs: experimentIDs)
            sql += " ORDER BY runs.started_ms DESC, runs.id LIMIT ? OFFSET ?"
            arguments += [SQLValue(max(0, limit)), SQLValue(max(0, offset))]
            var runs = try db.rows(sql, arguments).map(TrackingStore.summary)
            try TrackingStore.fill(&runs, db)
            return runs
        }
    }

    /// Every run (of one experiment, or of some), newest first, with only the named params, metrics and tags:
    /// what filtering and sorting a large history needs, read in a few narrow queries. `runs(ids:)` then
    /// reads the page that is shown in full.
    public func runIndex(experiment: String? = nil, experimentIDs: [Int64]? = nil, params: Set<String> = [], metrics: Set<String> = [],
                         tags: Set<String> = []) throws(TrackingError) -> [RunSummary] {
        try read { db in
            var (sql, arguments) = TrackingStore.select(experiment: experiment, experimentIDs: experimentIDs)
            sql += " ORDER BY runs.started_ms DESC, runs.id"
            var runs = try db.rows(sql, arguments).map(TrackingStore.summary)
            let index = Dictionary(runs.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
            for key in params.sorted() {
                for row in try db.rows("SELECT run_id, value FROM params WHERE key = ?", [.text(key)]) {
                    if let i = index[row["run_id", or: ""]] { runs[i].params[key] = row["value", or: ""] }
                }
            }
            for key in tags.sorted() {
                for row in try db.rows("SELECT run_id, value FROM tags WHERE key = ?", [.text(key)]) {
                    if let i = index[row["run_id", or: ""]] { runs[i].tags[key] = row["value", or: ""] }
                }
            }
            for key in metrics.sorted() {
                for row in try db.rows("SELECT run_id, step, timestamp_ms, value, flag FROM latest_metrics WHERE key = ?", [.text(key)]) {
                    if let i = index[row["run_id", or: ""]] { runs[i].metrics[key] = TrackingStore.point(row, key: key) }
                }
            }
            return runs
        }
    }

    /// The runs with these ids, in that order, in full (ids with no run are left out).
    public func runs(ids: [String]) throws(TrackingError) -> [RunSummary] {
        guard !ids.isEmpty else { return [] }
        return try read { db in
            var found: [String: RunSummary] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 10_000) {
                let part = ids[chunk..<min(ids.count, chunk + 10_000)]
                var (sql, arguments) = TrackingStore.select(experiment: nil, experimentIDs: nil)
                sql += " WHERE runs.id IN (\(TrackingStore.marks(part.count)))"
                arguments += part.map(SQLValue.text)
                var runs = try db.rows(sql, arguments).map(TrackingStore.summary)
                try TrackingStore.fill(&runs, db)
                for run in runs { found[run.id] = run }
            }
            return ids.compactMap { found[$0] }
        }
    }

    /// The runs query's start: every column of a run and its experiment's name, of one experiment or of some.
    static func select(experiment: String?, experimentIDs: [Int64]?) -> (sql: String, arguments: [SQLValue]) {
        let sql = "SELECT runs.*, experiments.name AS experiment FROM runs JOIN experiments ON experiments.id = runs.experiment_id"
        if let experiment { return (sql + " WHERE experiments.name = ?", [.text(experiment)]) }
        if let experimentIDs {
            return (sql + " WHERE runs.experiment_id IN (\(TrackingStore.marks(experimentIDs.count)))", experimentIDs.map(SQLValue.integer))
        }
        return (sql, [])
    }

    /// How many runs there are (of one experiment when named).
    public func runCount(experiment: String? = nil) throws(TrackingError) -> Int {
        try read { db in
            if let experiment {
                return try db.row("""
                    SELECT COUNT(*) AS n FROM runs JOIN experiments ON experiments.id = runs.experiment_id WHERE experiments.name = ?
                    """, [.text(experiment)])?["n"] ?? 0
            }
            return try db.row("SELECT COUNT(*) AS n FROM runs")?["n"] ?? 0
        }
    }

    /// One run with its stages; nil when there is none with that id.
    public func run(_ id: String) throws(TrackingError) -> RunDetail? {
        try read { db in
            guard let row = try db.row("""
                SELECT runs.*, experiments.name AS experiment FROM runs JOIN experiments ON experiments.id = runs.experiment_id WHERE runs.id = ?
                """, [.text(id)]) else { return nil }
            var runs = [TrackingStore.summary(row)]
            try TrackingStore.fill(&runs, db)
            let stages = try db.rows("SELECT * FROM stages WHERE run_id = ? ORDER BY position", [.text(id)]).map { row in
                let outs = row["outs", or: ""].split(separator: "\n").compactMap { line -> (String, String)? in
                    let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
                    return parts.count == 2 ? (parts[0], parts[1]) : nil
                }
                let reasons = row["reasons", or: ""], upstream = row["upstream", or: ""]
                return StageRecord(stage: row["stage", or: ""], outcome: row["outcome", or: ""], fingerprint: row["fingerprint"],
                                   reasons: reasons.isEmpty ? [] : reasons.components(separatedBy: "\n"), seconds: row["seconds", or: 0],
                                   outs: Dictionary(outs, uniquingKeysWith: { $1 }), message: row["message"],
                                   upstream: upstream.isEmpty ? [] : upstream.components(separatedBy: "\n"))
            }
            return RunDetail(summary: runs[0], stages: stages)
        }
    }

    /// A metric's points in step order.
    public func history(_ run: String, key: String) throws(TrackingError) -> [MetricPoint] {
        try read { db in
            try db.rows("SELECT step, timestamp_ms, value, flag FROM metric_points WHERE run_id = ? AND key = ? ORDER BY step", [.text(run), .text(key)])
                .map { row in TrackingStore.point(row, key: key) }
        }
    }

    /// A metric's finite points in step order, at most about `maxPoints` of them. A longer series is cut
    /// into `maxPoints / 2` equal step ranges, each drawn as its lowest and its highest value at the range's
    /// middle step (min/max buckets), so a 10^6-point series reaches a chart as a thousand points with its
    /// peaks and dips kept. Each range is one read along the points' primary key, so the database never sorts.
    public func series(_ run: String, key: String, maxPoints: Int = 2000) throws(TrackingError) -> Series {
        try read { db in
            let arguments: [SQLValue] = [.text(run), .text(key)]
            let limit = max(2, maxPoints)
            let head = try db.row("""
                SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM metric_points WHERE run_id = ? AND key = ? LIMIT ?) AS first) AS n,
                       (SELECT MIN(step) FROM metric_points WHERE run_id = ? AND key = ?) AS lo,
                       (SELECT MAX(step) FROM metric_points WHERE run_id = ? AND key = ?) AS hi
                """, arguments + [SQLValue(limit + 1)] + arguments + arguments)
            guard head?["n", or: 0] ?? 0 > limit, let lo: Int64 = head?["lo"], let hi: Int64 = head?["hi"] else {
                var bad = 0, total = 0
                var points: [(step: Int64, value: Double)] = []
                for row in try db.rows("SELECT step, value, flag FROM metric_points WHERE run_id = ? AND key = ? ORDER BY step", arguments) {
                    total += 1
                    if row["flag", or: 0] == 0 { points.append((row["step", or: 0], row["value", or: 0])) } else { bad += 1 }
                }
                return Series(key: key, points: points, total: total, nonFinite: bad, downsampled: false)
            }
            let width = (hi - lo) / Int64(max(1, maxPoints / 2)) + 1
            var bad = 0, total = 0
            var points: [(step: Int64, value: Double)] = []
            var start = lo
            while start <= hi {
                guard let row = try db.row("""
                    SELECT COUNT(*) AS n, MIN(CASE WHEN flag = 0 THEN value END) AS low, MAX(CASE WHEN flag = 0 THEN value END) AS high,
                           SUM(CASE WHEN flag <> 0 THEN 1 ELSE 0 END) AS bad
                    FROM metric_points WHERE run_id = ? AND key = ? AND step >= ? AND step < ?
                    """, arguments + [.integer(start), .integer(start + width)]) else { break }
                defer { start += width }
                total += row["n", or: 0]
                bad += row["bad", or: 0]
                guard let low: Double = row["low"], let high: Double = row["high"] else { continue }
                let middle = start + width / 2
                // The extreme nearer the previous point first, so the line does not cross itself.
                let lowFirst = points.last.map { abs($0.value - low) <= abs($0.value - high) } ?? true
                points.append((middle, lowFirst ? low : high))
                if high != low { points.append((middle, lowFirst ? high : low)) }
            }
            return Series(key: key, points: points, total: total, nonFinite: bad, downsampled: true)
        }
    }

    /// The documents kept with a run, by name.
    public func documents(_ run: String) throws(TrackingError) -> [(name: String, content: String)] {
        try read { db in
            try db.rows("SELECT name, content FROM documents WHERE run_id = ? ORDER BY name", [.text(run)])
                .map { (name: $0["name", or: ""], content: $0["content", or: ""]) }
        }
    }

    /// The id of the run that `reference` names: a whole id, the start of exactly one id, or a run's name
    /// when exactly one run has it.
    public func resolve(_ reference: String) throws(TrackingError) -> String {
        guard !reference.isEmpty else { throw TrackingError.invalid("an empty run reference names no run") }
        let ids = try read { db in
            try db.rows("SELECT id FROM runs WHERE substr(id, 1, ?) = ? OR name = ? ORDER BY started_ms DESC LIMIT 6",
                        [SQLValue(reference.count), .text(reference), .text(reference)]).compactMap { $0["id"] as String? }
        }
        if ids.contains(reference) { return reference }
        guard let first = ids.first else { throw TrackingError.invalid("no run '\(reference)' in the run history (see `proj exp show`)") }
        guard ids.count == 1 else {
            throw TrackingError.invalid("'\(reference)' names several runs (\(ids.prefix(5).map { String($0.prefix(8)) }.joined(separator: ", "))): give more of the id")
        }
        return first
    }

    static func marks(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ",") }

    static func point(_ row: SQLRow, key: String) -> MetricPoint {
        MetricPoint(key: key, step: row["step", or: 0], timestampMs: row["timestamp_ms", or: 0], value: TrackingStore.value(row["value", or: 0], flag: row["flag", or: 0]))
    }

    static func summary(_ row: SQLRow) -> RunSummary {
        let bundle: BuiltBundle? = (row["bundle_name"] as String?).map { name in
            BuiltBundle(name: name, version: row["bundle_version", or: ""], digest: row["bundle_digest", or: ""])
        }
        return RunSummary(id: row["id", or: ""], experimentID: row["experiment_id", or: 0], experiment: row["experiment", or: ""], name: row["name", or: ""],
                          source: row["source", or: ""], status: RunStatus(rawValue: row["status", or: ""]) ?? .failed, startedMs: row["started_ms", or: 0],
                          endedMs: row["ended_ms"], gitRevision: row["git_revision"], gitDirty: row["git_dirty"], failedStage: row["failed_stage"],
                          message: row["message"], bundle: bundle, params: [:], metrics: [:])
    }

    /// Fills the params, tags and latest metrics of `runs`.
    static func fill(_ runs: inout [RunSummary], _ db: any SQLSession) throws {
        guard !runs.isEmpty else { return }
        let index = Dictionary(runs.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        // SQLite takes at most 32766 parameters and PostgreSQL 65535; runs are asked for in pages below that.
        for chunk in stride(from: 0, to: runs.count, by: 10_000) {
            let ids = runs[chunk..<min(runs.count, chunk + 10_000)].map { SQLValue.text($0.id) }
            let marks = TrackingStore.marks(ids.count)
            for row in try db.rows("SELECT run_id, key, value FROM params WHERE run_id IN (\(marks))", ids) {
                if let i = index[row["run_id", or: ""]] { runs[i].params[row["key", or: ""]] = row["value", or: ""] }
            }
            for row in try db.rows("SELECT run_id, key, value FROM tags WHERE run_id IN (\(marks))", ids) {
                if let i = index[row["run_id", or: ""]] { runs[i].tags[row["key", or: ""]] = row["value", or: ""] }
            }
            for row in try db.rows("SELECT * FROM latest_metrics WHERE run_id IN (\(marks))", ids) {
                guard let i = index[row["run_id", or: ""]] else { continue }
                let key: String = row["key", or: ""]
                runs[i].metrics[key] = TrackingStore.point(row, key: key)
            }
        }
    }

    public func experiment(named name: String) throws(TrackingError) -> ExperimentRecord? {
        try read { db in try db.row("SELECT * FROM experiments WHERE name = ?", [.text(name)]).map(TrackingStore.experiment) }
    }

    public func experiment(id: Int64) throws(TrackingError) -> ExperimentRecord? {
        try read { db in try db.row("SELECT * FROM experiments WHERE id = ?", [.integer(id)]).map(TrackingStore.experiment) }
    }

    static func experiment(_ row: SQLRow) -> ExperimentRecord {
        ExperimentRecord(id: row["id", or: 0], name: row["name", or: ""], createdMs: row["created_ms", or: 0], lifecycle: row["lifecycle", or: "active"])
    }
}
