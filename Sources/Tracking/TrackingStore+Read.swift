import Foundation
import GRDB

extension TrackingStore {
    /// Runs, newest first (of one experiment when named), with their params, tags and each metric's latest value:
    /// the runs table's data, read without touching the metric points.
    public func runs(experiment: String? = nil, experimentIDs: [Int64]? = nil, limit: Int = 1000, offset: Int = 0) throws(TrackingError) -> [RunSummary] {
        try read { db in
            var sql = "SELECT runs.*, experiments.name AS experiment FROM runs JOIN experiments ON experiments.id = runs.experiment_id"
            var arguments: StatementArguments = []
            if let experiment {
                sql += " WHERE experiments.name = ?"
                arguments += [experiment]
            } else if let experimentIDs {
                sql += " WHERE runs.experiment_id IN (\(Array(repeating: "?", count: experimentIDs.count).joined(separator: ",")))"
                arguments += StatementArguments(experimentIDs)
            }
            sql += " ORDER BY runs.started_ms DESC, runs.id LIMIT ? OFFSET ?"
            arguments += [max(0, limit), max(0, offset)]
            var runs = try Row.fetchAll(db, sql: sql, arguments: arguments).map(TrackingStore.summary)
            try TrackingStore.fill(&runs, db)
            return runs
        }
    }

    /// How many runs there are (of one experiment when named).
    public func runCount(experiment: String? = nil) throws(TrackingError) -> Int {
        try read { db in
            if let experiment {
                return try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM runs JOIN experiments ON experiments.id = runs.experiment_id WHERE experiments.name = ?
                    """, arguments: [experiment]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs") ?? 0
        }
    }

    /// One run with its stages; nil when there is none with that id.
    public func run(_ id: String) throws(TrackingError) -> RunDetail? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT runs.*, experiments.name AS experiment FROM runs JOIN experiments ON experiments.id = runs.experiment_id WHERE runs.id = ?
                """, arguments: [id]) else { return nil }
            var runs = [TrackingStore.summary(row)]
            try TrackingStore.fill(&runs, db)
            let stages = try Row.fetchAll(db, sql: "SELECT * FROM stages WHERE run_id = ? ORDER BY position", arguments: [id]).map { row in
                let outs = (row["outs"] as String).split(separator: "\n").compactMap { line -> (String, String)? in
                    let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
                    return parts.count == 2 ? (parts[0], parts[1]) : nil
                }
                let reasons = row["reasons"] as String, upstream = row["upstream"] as String
                return StageRecord(stage: row["stage"], outcome: row["outcome"], fingerprint: row["fingerprint"],
                                   reasons: reasons.isEmpty ? [] : reasons.components(separatedBy: "\n"), seconds: row["seconds"],
                                   outs: Dictionary(outs, uniquingKeysWith: { $1 }), message: row["message"],
                                   upstream: upstream.isEmpty ? [] : upstream.components(separatedBy: "\n"))
            }
            return RunDetail(summary: runs[0], stages: stages)
        }
    }

    /// A metric's points in step order.
    public func history(_ run: String, key: String) throws(TrackingError) -> [MetricPoint] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT step, timestamp_ms, value, flag FROM metric_points WHERE run_id = ? AND key = ? ORDER BY step",
                             arguments: [run, key]).map { row in
                MetricPoint(key: key, step: row["step"], timestampMs: row["timestamp_ms"],
                            value: TrackingStore.value(row["value"], flag: row["flag"]))
            }
        }
    }

    /// A metric's finite points in step order, at most about `maxPoints` of them. A longer series is cut
    /// into `maxPoints / 2` equal step ranges, each drawn as its lowest and its highest value at the range's
    /// middle step (min/max buckets, one pass in SQLite), so a 10^6-point series reaches a chart as a
    /// thousand points with its peaks and dips kept.
    public func series(_ run: String, key: String, maxPoints: Int = 2000) throws(TrackingError) -> Series {
        try read { db in
            let arguments: StatementArguments = [run, key]
            let head = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(step) AS lo, MAX(step) AS hi FROM metric_points WHERE run_id = ? AND key = ?",
                                        arguments: arguments)
            let total: Int = head?["n"] ?? 0
            guard total > max(2, maxPoints), let lo = head?["lo"] as Int64?, let hi = head?["hi"] as Int64? else {
                var bad = 0
                var points: [(step: Int64, value: Double)] = []
                for row in try Row.fetchAll(db, sql: "SELECT step, value, flag FROM metric_points WHERE run_id = ? AND key = ? ORDER BY step", arguments: arguments) {
                    if row["flag"] as Int == 0 { points.append((row["step"], row["value"])) } else { bad += 1 }
                }
                return Series(key: key, points: points, total: total, nonFinite: bad, downsampled: false)
            }
            let width = (hi - lo) / Int64(max(1, maxPoints / 2)) + 1
            var bad = 0
            var points: [(step: Int64, value: Double)] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT (step - ?) / ? AS bucket, MIN(CASE WHEN flag = 0 THEN value END) AS low, MAX(CASE WHEN flag = 0 THEN value END) AS high,
                       SUM(flag != 0) AS bad
                FROM metric_points WHERE run_id = ? AND key = ? GROUP BY bucket ORDER BY bucket
                """, arguments: [lo, width, run, key]) {
                bad += row["bad"] as Int
                guard let low = row["low"] as Double?, let high = row["high"] as Double? else { continue }
                let middle = lo + (row["bucket"] as Int64) * width + width / 2
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
            try Row.fetchAll(db, sql: "SELECT name, content FROM documents WHERE run_id = ? ORDER BY name", arguments: [run])
                .map { (name: $0["name"] as String, content: $0["content"] as String) }
        }
    }

    /// The id of the run that `reference` names: a whole id, the start of exactly one id, or a run's name
    /// when exactly one run has it.
    public func resolve(_ reference: String) throws(TrackingError) -> String {
        guard !reference.isEmpty else { throw TrackingError.invalid("an empty run reference names no run") }
        let ids = try read { db in
            try String.fetchAll(db, sql: "SELECT id FROM runs WHERE substr(id, 1, length(?)) = ? OR name = ? ORDER BY started_ms DESC LIMIT 6",
                                arguments: [reference, reference, reference])
        }
        if ids.contains(reference) { return reference }
        guard let first = ids.first else { throw TrackingError.invalid("no run '\(reference)' in the run history (see `proj exp show`)") }
        guard ids.count == 1 else {
            throw TrackingError.invalid("'\(reference)' names several runs (\(ids.prefix(5).map { String($0.prefix(8)) }.joined(separator: ", "))): give more of the id")
        }
        return first
    }

    static func summary(_ row: Row) -> RunSummary {
        let bundle: BuiltBundle? = (row["bundle_name"] as String?).map { name in
            BuiltBundle(name: name, version: row["bundle_version"] ?? "", digest: row["bundle_digest"] ?? "")
        }
        return RunSummary(id: row["id"], experimentID: row["experiment_id"], experiment: row["experiment"], name: row["name"], source: row["source"],
                          status: RunStatus(rawValue: row["status"]) ?? .failed, startedMs: row["started_ms"], endedMs: row["ended_ms"],
                          gitRevision: row["git_revision"], gitDirty: row["git_dirty"], failedStage: row["failed_stage"], message: row["message"],
                          bundle: bundle, params: [:], metrics: [:])
    }

    /// Fills the params, tags and latest metrics of `runs`.
    static func fill(_ runs: inout [RunSummary], _ db: Database) throws {
        guard !runs.isEmpty else { return }
        let index = Dictionary(uniqueKeysWithValues: runs.enumerated().map { ($1.id, $0) })
        // SQLite takes at most 32766 parameters; runs are asked for in pages well below that.
        for chunk in stride(from: 0, to: runs.count, by: 10_000) {
            let ids = runs[chunk..<min(runs.count, chunk + 10_000)].map(\.id)
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            let arguments = StatementArguments(ids)
            for row in try Row.fetchAll(db, sql: "SELECT run_id, key, value FROM params WHERE run_id IN (\(marks))", arguments: arguments) {
                if let i = index[row["run_id"] as String] { runs[i].params[row["key"]] = row["value"] as String }
            }
            for row in try Row.fetchAll(db, sql: "SELECT run_id, key, value FROM tags WHERE run_id IN (\(marks))", arguments: arguments) {
                if let i = index[row["run_id"] as String] { runs[i].tags[row["key"]] = row["value"] as String }
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM latest_metrics WHERE run_id IN (\(marks))", arguments: arguments) {
                guard let i = index[row["run_id"] as String] else { continue }
                let key = row["key"] as String
                runs[i].metrics[key] = MetricPoint(key: key, step: row["step"], timestampMs: row["timestamp_ms"],
                                                   value: TrackingStore.value(row["value"], flag: row["flag"]))
            }
        }
    }

    public func experiment(named name: String) throws(TrackingError) -> ExperimentRecord? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE name = ?", arguments: [name]).map(TrackingStore.experiment) }
    }

    public func experiment(id: Int64) throws(TrackingError) -> ExperimentRecord? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE id = ?", arguments: [id]).map(TrackingStore.experiment) }
    }

    static func experiment(_ row: Row) -> ExperimentRecord {
        ExperimentRecord(id: row["id"], name: row["name"], createdMs: row["created_ms"], lifecycle: row["lifecycle"])
    }
}
