import Foundation
import GRDB
import PostgresClient
import PostgresServer
import Testing
@testable import Tracking

/// A history for one scenario, opened as often as the scenario asks (the same file or database each time).
struct History {
    let open: () throws -> TrackingStore
}

/// The run history's behavior, each scenario on a real SQLite file and on a real PostgreSQL server.
@Suite struct TrackingStoreTests {
    static let scenarios: [(name: String, run: @Sendable (History) throws -> Void)] = [
        ("a run reads back", aRunReadsBackWithParamsMetricsStagesAndNonFiniteValues),
        ("latest value", theLatestValueIsTheHighestStepThenTheNewest),
        ("list and resolve", runsListNewestFirstAndResolveByPrefixOrName),
        ("interrupted", aRunWhoseProcessIsGoneReadsAsInterrupted),
        ("concurrent writers", concurrentWritersLoseNothing),
        ("series", aLongSeriesIsDownsampledWithItsExtremes),
        ("hostile names", hostileNamesRoundTrip),
    ]

    @Test(arguments: scenarios.indices) func onSQLite(_ scenario: Int) throws {
        let path = Self.temporary() + "/t.db"
        try Self.scenarios[scenario].run(History { try TrackingStore(path: path) })
    }

    /// Every scenario again, each in its own database of one PostgreSQL server this test starts and stops.
    @Test func onPostgreSQL() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let admin = try PostgresConnection(url: server.url)
        for (n, scenario) in Self.scenarios.enumerated() {
            try admin.execute("CREATE DATABASE scenario\(n)")
            let url = server.url(database: "scenario\(n)")
            do {
                try scenario.run(History { try TrackingStore(postgres: url) })
            } catch {
                Issue.record("\(scenario.name) on PostgreSQL: \(error)")
            }
        }
        // A second open finds the schema made and adds nothing.
        let url = server.url(database: "scenario0")
        let again = try TrackingStore(postgres: url)
        #expect(try again.runs().count == 1)
        #expect(try PostgresConnection(url: url).query("SELECT MAX(version) FROM proj_schema", []).rows == [[String(HistorySchema.migrations.count)]])
        // Text PostgreSQL cannot hold is refused by name, and nothing of the batch lands.
        let id = try again.createRun(Self.newRun("nul"))
        do {
            try again.logBatch(id, params: [("ok", "1")], metrics: [MetricPoint(key: "a\0b", step: 0, timestampMs: 1, value: 1)])
            Issue.record("a key with a NUL was stored")
        } catch {
            #expect(error.description == "'a\\0b' holds a NUL character, which PostgreSQL cannot store")
        }
        #expect(try again.run(id)?.summary.params.isEmpty == true)
    }

    /// A history written by an older proj (before stage upstreams and documents) opens, is migrated in place, and
    /// keeps its runs.
    @Test func anOlderSQLiteHistoryIsMigratedInPlace() throws {
        let path = Self.temporary() + "/t.db"
        let queue = try DatabaseQueue(path: path)
        var old = DatabaseMigrator()
        for migration in HistorySchema.migrations.prefix(2) { old.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) } }
        try old.migrate(queue)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO runs (id, experiment_id, source, status, started_ms, host, pid) VALUES ('0ld', 0, 'repro', 'succeeded', 1, 'h', 0)")
            try db.execute(sql: "INSERT INTO stages (run_id, position, stage, outcome, reasons, seconds, outs) VALUES ('0ld', 0, 'a', 'ran', '', 1, '')")
        }
        try queue.close()
        let store = try TrackingStore(path: path)
        let before = try #require(try store.run("0ld"))
        #expect(before.summary.status == .succeeded && before.stages.map(\.upstream) == [[]])
        try store.recordStages("0ld", [StageRecord(stage: "b", outcome: "ran", fingerprint: nil, reasons: [], seconds: 1, outs: [:], message: nil, upstream: ["a"])])
        try store.recordDocuments("0ld", [("report.json", "{}")])
        #expect(try store.run("0ld")?.stages.map(\.upstream) == [[], ["a"]])
        #expect(try store.documents("0ld").map(\.name) == ["report.json"])
    }

    @Test func anUnreachablePostgreSQLIsNamed() throws {
        let port = PostgresServer.freePort()
        do {
            _ = try TrackingLocation.open("postgres://proj:secret@127.0.0.1:\(port)/runs", root: Self.temporary(), environment: [:])
            Issue.record("a history opened on a port nothing listens on")
        } catch {
            #expect(error.description.hasPrefix("the run history: cannot connect to PostgreSQL (postgres://proj:***@127.0.0.1:\(port)/runs): "), "\(error)")
            #expect(!error.description.contains("secret"))
        }
    }

    static func aLongSeriesIsDownsampledWithItsExtremes(_ history: History) throws {
        let store = try history.open()
        let id = try store.createRun(newRun())
        let points = (0..<20_000).map { (s: Int) -> MetricPoint in
            let value: Double = s == 12_345 ? 99 : s == 777 ? .nan : Double(s % 100) / 100
            return MetricPoint(key: "loss", step: Int64(s), timestampMs: 1, value: value)
        }
        try store.logMetrics(id, points)
        let series = try store.series(id, key: "loss", maxPoints: 200)
        #expect(series.downsampled && series.total == 20_000 && series.nonFinite == 1 && series.points.count <= 200)
        #expect(series.points.contains { $0.value == 99 && abs($0.step - 12_345) <= 50 })
        #expect(series.points.map(\.value).min() == 0)
        let all = try store.series(id, key: "loss", maxPoints: 100_000)
        #expect(!all.downsampled && all.points.count == 19_999)
    }

    /// Names and values with quotes, question marks, SQL and non-ASCII text are stored as given.
    static func hostileNamesRoundTrip(_ history: History) throws {
        let store = try history.open()
        let hostile = ["it's", "a?b", "x'); DROP TABLE runs; --", "ünï €", "\"quoted\"", String(repeating: "k", count: 500)]
        let id = try store.createRun(newRun(hostile[2]))
        try store.logParams(id, hostile.map { ($0, $0 + "?") })
        try store.logMetrics(id, hostile.enumerated().map { MetricPoint(key: $1, step: Int64($0), timestampMs: 1, value: Double($0)) })
        let run = try #require(try store.run(id)).summary
        #expect(run.name == hostile[2])
        #expect(run.params == Dictionary(uniqueKeysWithValues: hostile.map { ($0, $0 + "?") }))
        #expect(Set(run.metrics.keys) == Set(hostile))
        #expect(try store.resolve(hostile[2]) == id)
        #expect(try store.runs().count == 1)
    }

    static func temporary() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proj-tracking-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func newRun(_ name: String = "", started: Int64 = 1_000, pid: Int32 = getpid(), host: String = Liveness.host) -> NewRun {
        NewRun(experiment: "demo", name: name, source: "repro", startedMs: started, gitRevision: "abc", gitDirty: false, host: host, pid: pid)
    }

    static func aRunReadsBackWithParamsMetricsStagesAndNonFiniteValues(_ history: History) throws {
        let store = try history.open()
        let id = try store.createRun(Self.newRun("first"))
        #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
        try store.logParams(id, [("train.rounds", "100"), ("train.eta", "0.1")])
        try store.logMetrics(id, [
            MetricPoint(key: "loss", step: 0, timestampMs: 1, value: 0.9), MetricPoint(key: "loss", step: 2, timestampMs: 3, value: .nan),
            MetricPoint(key: "loss", step: 1, timestampMs: 2, value: 0.5), MetricPoint(key: "up", step: 0, timestampMs: 1, value: .infinity),
            MetricPoint(key: "down", step: 0, timestampMs: 1, value: -.infinity),
        ])
        try store.recordStages(id, [StageRecord(stage: "train", outcome: "ran", fingerprint: "f1", reasons: ["param train.rounds changed"],
                                                seconds: 1.5, outs: ["model.bin": "aa", "b": "bb"], message: nil)])
        try store.finish(id, status: .succeeded, endedMs: 2_000, bundle: BuiltBundle(name: "demo", version: "0.1.1-exp.12345678", digest: "d"))

        let detail = try #require(try store.run(id))
        #expect(detail.summary.status == .succeeded && detail.summary.endedMs == 2_000 && detail.summary.name == "first")
        #expect(detail.summary.params == ["train.rounds": "100", "train.eta": "0.1"])
        #expect(detail.summary.metrics["loss"]?.step == 2 && detail.summary.metrics["loss"]?.value.isNaN == true)
        #expect(detail.summary.metrics["up"]?.value == .infinity && detail.summary.metrics["down"]?.value == -.infinity)
        #expect(detail.summary.bundle == BuiltBundle(name: "demo", version: "0.1.1-exp.12345678", digest: "d"))
        #expect(detail.stages == [StageRecord(stage: "train", outcome: "ran", fingerprint: "f1", reasons: ["param train.rounds changed"],
                                              seconds: 1.5, outs: ["model.bin": "aa", "b": "bb"], message: nil)])
        let history = try store.history(id, key: "loss")
        #expect(history.map(\.step) == [0, 1, 2])
        #expect(history[0].value == 0.9 && history[1].value == 0.5 && history[2].value.isNaN)
    }

    static func theLatestValueIsTheHighestStepThenTheNewest(_ history: History) throws {
        let store = try history.open()
        let id = try store.createRun(Self.newRun())
        try store.logMetrics(id, [MetricPoint(key: "m", step: 5, timestampMs: 10, value: 5)])
        try store.logMetrics(id, [MetricPoint(key: "m", step: 3, timestampMs: 20, value: 3)])
        #expect(try store.runs().first?.metrics["m"]?.value == 5)
        try store.logMetrics(id, [MetricPoint(key: "m", step: 5, timestampMs: 30, value: 6)])
        #expect(try store.runs().first?.metrics["m"]?.value == 6)
        #expect(try store.history(id, key: "m").map(\.value) == [3, 6])
    }

    static func runsListNewestFirstAndResolveByPrefixOrName(_ history: History) throws {
        let store = try history.open()
        let a = try store.createRun(Self.newRun("alpha", started: 1))
        let b = try store.createRun(Self.newRun("beta", started: 2))
        #expect(try store.runs().map(\.id) == [b, a])
        #expect(try store.runs(limit: 1, offset: 1).map(\.id) == [a])
        #expect(try store.runCount() == 2)
        #expect(try store.resolve(String(a.prefix(10))) == a)
        #expect(try store.resolve("beta") == b)
        #expect(throws: TrackingError.self) { try store.resolve("zzz") }
        do {
            _ = try store.resolve("zzz")
        } catch {
            #expect(error.description == "no run 'zzz' in the run history (see `proj exp show`)")
        }
        do {
            try store.logParams("nope", [("a", "b")])
            Issue.record("logging into a missing run succeeded")
        } catch {
            #expect(error.description == "no run 'nope' in the run history")
        }
        try store.deleteRuns([a])
        #expect(try store.runs().map(\.id) == [b])
        #expect(try store.history(a, key: "m").isEmpty)
    }

    static func aRunWhoseProcessIsGoneReadsAsInterrupted(_ history: History) throws {
        let store = try history.open()
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let dead = try store.createRun(Self.newRun("dead", pid: gone.processIdentifier))
        let alive = try store.createRun(Self.newRun("alive"))
        let elsewhere = try store.createRun(Self.newRun("elsewhere", pid: gone.processIdentifier, host: "another-machine"))
        #expect(try store.reconcile(host: Liveness.host, isAlive: Liveness.isAlive) == 1)
        #expect(try store.run(dead)?.summary.status == .interrupted)
        #expect(try store.run(dead)?.summary.message == "its process ended without recording an outcome (killed?)")
        #expect(try store.run(alive)?.summary.status == .running)
        #expect(try store.run(elsewhere)?.summary.status == .running)
    }

    @Test func aDamagedHistoryIsRefusedByName() throws {
        let path = Self.temporary() + "/t.db"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            _ = try TrackingStore(path: path)
            Issue.record("a file of 'A's opened as a run history")
        } catch {
            #expect(error.description.hasPrefix("the run history \(path) is damaged or not a SQLite database ("), "\(error)")
            #expect(error.description.hasSuffix("): move it away and proj starts a new one"), "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: 0x41, count: 8192))
    }

    /// Another process holding the history's write lock: a write waits, then fails naming the file, and
    /// writes nothing of its batch; once the lock is gone the same write lands whole.
    @Test func aLockedHistoryFailsClearlyAndLosesNothing() throws {
        let path = Self.temporary() + "/t.db"
        let store = try TrackingStore(path: path, busyTimeout: 0.2)
        let id = try store.createRun(Self.newRun())
        var held = Configuration()
        held.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: path, configuration: held)
        try holder.inDatabase { db in try db.execute(sql: "BEGIN EXCLUSIVE") }
        let points = (0..<50).map { MetricPoint(key: "m", step: Int64($0), timestampMs: 1, value: Double($0)) }
        do {
            try store.logMetrics(id, points)
            Issue.record("a write went through another process's exclusive lock")
        } catch {
            #expect(error.description == "the run history \(path) stayed locked by another process; try again when it has finished")
        }
        try holder.inDatabase { db in try db.execute(sql: "COMMIT") }
        #expect(try store.history(id, key: "m").isEmpty)
        try store.logMetrics(id, points)
        #expect(try store.history(id, key: "m").count == 50)
    }

    @Test func trackingURIsNameAFileOrAreRefused() throws {
        #expect(try TrackingLocation.path("sqlite:runs.db", root: "/p") == "/p/runs.db")
        #expect(try TrackingLocation.path("sqlite:///tmp/x.db", root: "/p") == "/tmp/x.db")
        #expect(try TrackingLocation.path("/abs/h.db", root: "/p") == "/abs/h.db")
        #expect(throws: TrackingError.self) { try TrackingLocation.path("mysql://x/y", root: "/p") }
        #expect(throws: TrackingError.self) { try TrackingLocation.path("sqlite:", root: "/p") }
    }

    /// Two stores on one history, four threads each logging: every point lands, none is lost or half-written.
    static func concurrentWritersLoseNothing(_ history: History) throws {
        let stores = [try history.open(), try history.open()]
        let id = try stores[0].createRun(Self.newRun())
        let failures = DispatchQueue(label: "failures")
        nonisolated(unsafe) var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for batch in 0..<25 {
                let points = (0..<20).map { MetricPoint(key: "w\(worker)", step: Int64(batch * 20 + $0), timestampMs: 1, value: Double($0)) }
                do { try stores[worker % 2].logMetrics(id, points) } catch { failures.sync { errors.append("\(error)") } }
            }
        }
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        for worker in 0..<8 { #expect(try stores[1].history(id, key: "w\(worker)").count == 500) }
    }
}
