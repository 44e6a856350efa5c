import Foundation
import PostgresServer
import Testing

/// The run history as a user meets it: `proj repro` records, `proj exp show`, `diff` and `remove` read it.
@Suite struct ExpTests {
    static func project() throws -> TempProject {
        try TempProject([
            "project.yaml": """
                name: demo
                stages:
                  train:
                    cmd: sh train.sh ${params.train.rate}
                    deps: [train.sh]
                    params: [train]
                    outs: [model.txt]
                    metrics: [metrics.json]
                    plots: [curve.csv]
                """,
            "params.yaml": "train:\n  rate: 1\n  layers: 2\n",
            "train.sh": """
                [ "$1" = fail ] && { echo "cannot train" >&2; exit 3; }
                echo "model $1" > model.txt
                echo "$PROJ_RUN_ID" > run-id.txt
                printf '{"accuracy": %s, "loss": {"final": 0.25}, "odd": "text"}\\n' "0.$1" > metrics.json
                printf 'epoch,loss,accuracy\\n1,0.9,0.5\\n2,0.5,0.7\\n3,0.25,0.%s\\n' "$1" > curve.csv
                """,
        ])
    }

    static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func reprosAreRecordedAndCompared() throws {
        let p = try Self.project()
        #expect(try p.proj("repro").code == 0)
        #expect(try p.proj("repro", "-S", "train.rate=2", "--name", "faster").code == 0)
        // Everything fresh: nothing ran, nothing is recorded.
        #expect(try p.proj("repro").code == 0)

        let r = try p.proj("exp", "show", "--json")
        #expect(r.code == 0, "\(r.err)")
        let runs = try #require(try Self.json(r.out) as? [[String: Any]])
        #expect(runs.count == 2)
        let (newest, oldest) = (runs[0], runs[1])
        #expect(newest["name"] as? String == "faster" && newest["status"] as? String == "succeeded" && newest["experiment"] as? String == "demo")
        #expect((newest["params"] as? [String: String]) == ["train.layers": "2", "train.rate": "2"])
        #expect((oldest["params"] as? [String: String])?["train.rate"] == "1")
        let metrics = try #require(newest["metrics"] as? [String: Double])
        #expect(metrics["metrics.json:accuracy"] == 0.2 && metrics["metrics.json:loss.final"] == 0.25)
        #expect(metrics["curve.csv:loss"] == 0.25 && metrics["curve.csv:accuracy"] == 0.2 && metrics["metrics.json:odd"] == nil)

        let ids = runs.compactMap { $0["id"] as? String }
        // The stage saw the run it belongs to.
        #expect(p.read("run-id.txt") == ids[0] + "\n")
        let diff = try p.proj("exp", "diff", String(ids[1].prefix(8)), "faster")
        #expect(diff.code == 0, "\(diff.err)")
        let lines = diff.out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.contains("param train.rate 1 2"), "\(diff.out)")
        #expect(lines.contains("metric metrics.json:accuracy 0.1 0.2 +0.1"), "\(diff.out)")
        #expect(!diff.out.contains("train.layers") && !diff.out.contains("loss.final"))
        let changed = try #require(try Self.json(try p.proj("exp", "diff", ids[1], ids[0], "--json").out) as? [String: Any])
        #expect((changed["params"] as? [String: Any])?.keys.sorted() == ["train.rate"])

        let only = try #require(try Self.json(try p.proj("exp", "show", "--json", "--only-changed").out) as? [[String: Any]])
        #expect((only[0]["params"] as? [String: String]) == ["train.rate": "2"])
        let sorted = try #require(try Self.json(try p.proj("exp", "show", "--json", "--sort-by", "metrics.json:accuracy", "--sort-order", "desc").out) as? [[String: Any]])
        #expect(sorted.compactMap { $0["name"] as? String } == ["faster", ""])
        let table = try p.proj("exp", "show")
        #expect(table.out.hasPrefix("Run "), "\(table.out)")
        #expect(table.out.contains("faster") && table.out.contains("succeeded"))

        #expect(try p.proj("exp", "remove", "faster").out == "Removed 1 run.\n")
        #expect((try Self.json(try p.proj("exp", "show", "--json").out) as? [[String: Any]])?.count == 1)
    }

    /// Two projects (as on two machines) record into one PostgreSQL history named by PROJ_TRACKING_URI: each
    /// sees both's runs, `exp diff` compares across them, no SQLite file is made; a server that is gone is named.
    @Test func machinesShareOnePostgreSQLHistory() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        var first = try Self.project(), second = try Self.project()
        first.environment["PROJ_TRACKING_URI"] = server.url
        second.environment["PROJ_TRACKING_URI"] = server.url
        var r = try first.proj("exp", "run", "-S", "train.rate=3", "--name", "here")
        #expect(r.code == 0, "\(r.err)")
        r = try second.proj("exp", "run", "-S", "train.rate=5", "--name", "there")
        #expect(r.code == 0, "\(r.err)")
        #expect(!first.exists(".proj/tracking.db") && !second.exists(".proj/tracking.db"))

        let shown = try first.proj("exp", "show", "--json")
        #expect(shown.code == 0, "\(shown.err)")
        let runs = try #require(try Self.json(shown.out) as? [[String: Any]])
        #expect(runs.compactMap { $0["name"] as? String } == ["there", "here"])
        #expect(runs.compactMap { ($0["metrics"] as? [String: Double])?["metrics.json:accuracy"] } == [0.5, 0.3])
        let diff = try second.proj("exp", "diff", "here", "there")
        let lines = diff.out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.contains("param train.rate 3 5") && lines.contains("metric metrics.json:accuracy 0.3 0.5 +0.2"), "\(diff.out)")

        server.stop()
        let gone = try first.proj("exp", "show")
        #expect(gone.code == 1)
        #expect(gone.err.contains("the run history: cannot connect to PostgreSQL (\(server.url)): "), "\(gone.err)")
        // A repro goes on unrecorded when the history cannot be reached, and says so.
        let repro = try first.proj("repro", "-S", "train.rate=6")
        #expect(repro.code == 0 && repro.err.contains("This run is not recorded in the history: the run history: cannot connect to PostgreSQL"), "\(repro.err)")
    }

    /// Every file of the project but proj's own directory and the tests' captured output, by path.
    static func snapshot(_ root: String) -> [String: Data] {
        var files: [String: Data] = [:]
        let walk = FileManager.default.enumerator(atPath: root)
        while let path = walk?.nextObject() as? String {
            if path == ".proj" { walk?.skipDescendants(); continue }
            let name = (path as NSString).lastPathComponent
            guard !name.hasPrefix(".out-"), !name.hasPrefix(".err-"), let data = FileManager.default.contents(atPath: root + "/" + path) else { continue }
            files[path] = data
        }
        return files
    }

    @Test func aSweepRunsInCopiesAndLeavesTheWorkspaceAsItWas() throws {
        let p = try Self.project()
        #expect(try p.proj("repro").code == 0)
        let before = Self.snapshot(p.root)
        let r = try p.proj("exp", "run", "-S", "train.rate=3,4", "-S", "train.layers=1,2", "-j", "2", "--name", "sweep")
        #expect(r.code == 0, "\(r.err)")
        #expect(Self.snapshot(p.root) == before, "the sweep changed the workspace")
        let runs = try #require(try Self.json(try p.proj("exp", "show", "--json").out) as? [[String: Any]])
        #expect(runs.count == 5)
        let experiments = runs.filter { $0["source"] as? String == "exp" }
        #expect(Set(experiments.compactMap { $0["name"] as? String }) == ["sweep-1", "sweep-2", "sweep-3", "sweep-4"])
        #expect(experiments.allSatisfy { $0["status"] as? String == "succeeded" })
        let combinations = Set(experiments.compactMap { run -> String? in
            guard let params = run["params"] as? [String: String] else { return nil }
            return "\(params["train.rate"] ?? "?")/\(params["train.layers"] ?? "?")"
        })
        #expect(combinations == ["3/1", "3/2", "4/1", "4/2"])
        let accuracy = experiments.compactMap { ($0["metrics"] as? [String: Double])?["metrics.json:accuracy"] }
        #expect(Set(accuracy) == [0.3, 0.4])
        #expect((try? FileManager.default.contentsOfDirectory(atPath: p.root + "/.proj/exps")) ?? [] == [])

        // Copies left by a killed experiment on this machine go at the next exp run; a living one's, another
        // machine's and an unmarked directory stay.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let host = ProcessInfo.processInfo.hostName
        for (name, owner) in [("killed", "\(host) \(gone.processIdentifier)"), ("alive", "\(host) \(getpid())"), ("elsewhere", "other-host \(gone.processIdentifier)"), ("unmarked", nil)] {
            try FileManager.default.createDirectory(atPath: p.root + "/.proj/exps/\(name)/.proj", withIntermediateDirectories: true)
            if let owner { try p.write(".proj/exps/\(name)/.proj/exp-owner", owner + "\n") }
        }

        // A value's escaped comma is part of it: one experiment, not two.
        #expect(try p.proj("exp", "run", "-S", "train.layers=1\\,2").code == 0)
        let escaped = try #require(try Self.json(try p.proj("exp", "show", "--json").out) as? [[String: Any]])
        #expect(escaped.count == 6 && (escaped[0]["params"] as? [String: String])?["train.layers"]?.contains("1,2") == true, "\(escaped.first ?? [:])")
        #expect(Set((try? FileManager.default.contentsOfDirectory(atPath: p.root + "/.proj/exps")) ?? []) == ["alive", "elsewhere", "unmarked"])

        var bad = try p.proj("exp", "run", "-S", "nokey")
        #expect(bad.code == 2 && bad.err == "Error: -S 'nokey': expected key=value\n")
        bad = try p.proj("exp", "run", "-S", "a=1,2,3,4,5,6,7", "-S", "b=1,2,3,4,5,6,7", "-S", "c=1,2,3,4,5,6")
        #expect(bad.code == 2 && bad.err == "Error: the sweep has more than 256 combinations; split it into several `proj exp run`s\n")
        bad = try p.proj("exp", "run", "-S", "train.nothing=1")
        #expect(bad.code == 1)
        #expect(Self.snapshot(p.root) == before)
    }

    @Test func applyBringsARunsParamsAndOutsBackFromTheCache() throws {
        let p = try Self.project()
        #expect(try p.proj("repro").code == 0)
        #expect(try p.proj("exp", "run", "-S", "train.rate=5", "--name", "five").code == 0)
        #expect(p.read("model.txt") == "model 1\n")
        let applied = try p.proj("exp", "apply", "five")
        #expect(applied.code == 0, "\(applied.err)")
        #expect(applied.out.hasPrefix("Stage 'train' restored from run-cache (params train.rate: 1 -> 5)\nApplied run "), "\(applied.out)")
        #expect(applied.out.hasSuffix(": 1 param set, every stage restored or fresh.\n"), "\(applied.out)")
        #expect(p.read("params.yaml") == "train:\n  rate: 5\n  layers: 2\n")
        #expect(p.read("model.txt") == "model 5\n")
        #expect(try p.proj("status").code == 0)
        // Applying the run the workspace already is changes nothing.
        #expect(try p.proj("exp", "apply", "five").out.hasSuffix(": 0 params set, every stage restored or fresh.\n"))
        #expect(try p.proj("exp", "apply", "nothing").err == "Error: no run 'nothing' in the run history (see `proj exp show`)\n")
    }

    @Test func aFailedStageAndBadReferencesAreSaid() throws {
        let p = try Self.project()
        #expect(try p.proj("repro", "-S", "train.rate=fail").code == 1)
        let runs = try #require(try Self.json(try p.proj("exp", "show", "--json").out) as? [[String: Any]])
        #expect(runs.first?["status"] as? String == "failed" && runs.first?["failed_stage"] as? String == "train")
        var r = try p.proj("exp", "diff", "nothing", "else")
        #expect(r.code == 2 && r.err == "Error: no run 'nothing' in the run history (see `proj exp show`)\n")
        r = try p.proj("exp", "show", "--sort-by", "no.such")
        #expect(r.code == 2 && r.err == "Error: no run has a metric or param 'no.such' (see `proj exp show --json` for the keys)\n")
        // Outside a project there is no history to show, and none is created.
        let empty = try TempProject(["notes.txt": "x"])
        r = try empty.proj("exp", "show")
        #expect(r.code == 2 && r.err.hasPrefix("Error: project.yaml: not found in "), "\(r.err)")
        #expect(!empty.exists(".proj"))
        r = try p.proj("exp", "show", "--tracking", "mysql://h/db")
        #expect(r.code == 2 && r.err == "Error: 'mysql://h/db': unknown tracking URI scheme 'mysql' (expected sqlite:PATH or postgres://USER@HOST:PORT/DB)\n")
    }

    @Test func aDamagedHistoryNeitherStopsReproNorIsOverwritten() throws {
        let p = try Self.project()
        try p.write(".proj/tracking.db", String(repeating: "not a database ", count: 600))
        let r = try p.proj("repro")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("This run is not recorded in the history: the run history \(p.root)/.proj/tracking.db is damaged or not a SQLite database"), "\(r.err)")
        #expect(p.read(".proj/tracking.db") == String(repeating: "not a database ", count: 600))
        let show = try p.proj("exp", "show")
        #expect(show.code == 1 && show.err.hasSuffix("move it away and proj starts a new one\n"), "\(show.err)")
    }

    @Test func aReproKilledOutrightIsRecordedAsInterrupted() throws {
        let p = try TempProject([
            "project.yaml": "stages:\n  slow:\n    cmd: (sleep 300 & echo $! > child.pid; wait) ; echo done > out.txt\n    outs: [out.txt]\n",
        ])
        let running = try p.start(["repro"])
        var child: Int32 = 0
        defer {
            if child > 0 { kill(child, SIGKILL) }
            if running.process.isRunning { kill(running.process.processIdentifier, SIGKILL) }
        }
        #expect(eventually { p.read("child.pid")?.hasSuffix("\n") == true })
        child = Int32(p.read("child.pid")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        let during = try #require(try Self.json(try p.proj("exp", "show", "--json").out) as? [[String: Any]])
        #expect(during.first?["status"] as? String == "running")
        kill(running.process.processIdentifier, SIGKILL)
        running.process.waitUntilExit()
        let after = try #require(try Self.json(try p.proj("exp", "show", "--json").out) as? [[String: Any]])
        #expect(after.count == 1 && after.first?["status"] as? String == "interrupted")
        #expect(after.first?["message"] as? String == "its process ended without recording an outcome (killed?)")
    }
}
