import Foundation
import PostgresServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real Apache Airflow (PyPI, in `.build/test-venvs/airflow`, SQLite metadata) runs the DAG that
/// `proj export airflow` writes for a small real pipeline. Every task works in its own fresh clone, as
/// separate workers would, sharing only the S3 remote (moto's server) and the tracking database (a
/// PostgreSQL server this test starts).
@Suite(.serialized) struct AirflowTests {
    static let packageRoot = FlagshipDigestTests.repository

    /// The venv's `airflow`: `PROJ_AIRFLOW`, else `.build/test-venvs/airflow/bin/airflow`, installed when missing.
    static func airflow() throws -> String {
        if let given = ProcessInfo.processInfo.environment["PROJ_AIRFLOW"] { return given }
        let venv = packageRoot + "/.build/test-venvs/airflow"
        if !FileManager.default.isExecutableFile(atPath: venv + "/bin/airflow") {
            if !FileManager.default.isExecutableFile(atPath: venv + "/bin/pip") { try PostgresServer.run("/usr/bin/env", ["python3", "-m", "venv", venv]) }
            try PostgresServer.run(venv + "/bin/pip", ["install", "-q", "apache-airflow"])
        }
        return venv + "/bin/airflow"
    }

    /// Runs `executable` with `arguments` and `environment` added to this process's; returns the exit code and
    /// everything it printed (stdout and stderr together, as a task log reads).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String], in directory: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let log = directory + "/.log-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        defer { try? FileManager.default.removeItem(atPath: log) }
        return (process.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// The pipeline: ingest -> train -> evaluate -> release (a bundle, copied to a cached out), and `summary`
    /// beside train. Every command counts its runs in $PROJ_TEST_COUNTER (outside the fingerprint).
    static func pipeline(endpoint: String) throws -> [String: String] {
        let data = (packageRoot as NSString).deletingLastPathComponent + "/shared/data/phishing-url-train.csv"
        let rows = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).prefix(801)
        return [
            "project.yaml": """
                name: small
                version: 1.0.0
                stages:
                  ingest:
                    cmd: >-
                      echo ingest >> "$PROJ_TEST_COUNTER" && proj ml ingest --source source.csv --sha256 "" --raw data/raw.csv
                      --target status --test-fraction 0.25 --seed 3 --train data/train.csv --test data/test.csv
                    deps: [source.csv]
                    outs: [data/raw.csv, data/train.csv, data/test.csv]
                  train:
                    cmd: >-
                      echo train >> "$PROJ_TEST_COUNTER" && sh stages/check.sh && proj ml train --input data/train.csv --target status
                      --positive phishing --negative legitimate --exclude url --featurizer none --models xgboost --folds 2
                      --rounds 10 --seed 5 --model models/model --schema models/schema.yaml --plots plots/curve.csv --cv metrics/cv.json
                    deps: [data/train.csv]
                    code: [stages/check.sh]
                    outs: [models/model, models/schema.yaml, plots/curve.csv, metrics/cv.json]
                  summary:
                    cmd: echo summary >> "$PROJ_TEST_COUNTER" && wc -l < data/test.csv > reports/rows.txt
                    deps: [data/test.csv]
                    outs: [reports/rows.txt]
                  evaluate:
                    cmd: >-
                      echo evaluate >> "$PROJ_TEST_COUNTER" && proj ml evaluate --model models/model --input data/test.csv
                      --target status --positive phishing --negative legitimate --metrics metrics/eval.json --roc plots/roc.csv
                      --timing reports/timing.json
                    deps: [models/model, data/test.csv]
                    outs: [metrics/eval.json, plots/roc.csv]
                    metrics: [reports/timing.json]   # not in the bundle's provenance: it differs between runs
                  release:
                    cmd: echo release >> "$PROJ_TEST_COUNTER" && proj bundle && cp bundles/small-1.0.0.tar release/small.tar
                    deps: [models/model, models/schema.yaml, metrics/eval.json, data/test.csv]
                    outs: [release/small.tar]
                bundle:
                  model: models/model
                  schema: models/schema.yaml
                  metrics: [metrics/eval.json]
                  selftest: {data: data/test.csv, rows: 3}

                """,
            "stages/check.sh": "exit 0\n",
            "source.csv": rows.joined(separator: "\n") + "\n",
            ".projconfig.yaml": "remotes:\n  storage: {url: 's3://pipelines/small', endpoint: '\(endpoint)'}\ndefault: storage\n",
            ".gitignore": ".proj/\nbundles/\n.out-*\n.err-*\n.log-*\n",
        ]
    }

    /// The state of each task of the DAG's latest run, and the run's own, from Airflow's metadata database.
    static func states(python: String, home: String, dag: String) throws -> [String: String] {
        let script = """
            import json, sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            run = db.execute("select run_id, state from dag_run where dag_id = ? order by id desc limit 1", (sys.argv[2],)).fetchone()
            states = dict(db.execute("select task_id, state from task_instance where dag_id = ? and run_id = ?", (sys.argv[2], run[0])).fetchall())
            states["(run)"] = run[1]
            print(json.dumps(states, sort_keys=True))
            """
        let (code, out) = try run(python, ["-c", script, home + "/airflow.db", dag], environment: [:], in: home)
        try #require(code == 0, "\(out)")
        let json = out.split(separator: "\n").last.map(String.init) ?? "{}"
        return (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String]) ?? [:]
    }

    @Test func exportRefusesWhatWorkersCouldNotUse() throws {
        let p = try TempProject(["project.yaml": "name: t\nversion: 1.0.0\nstages:\n  a:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n",
                                 ".gitignore": ".out-*\n.err-*\n.log-*\n.proj/\n"])
        defer { try? FileManager.default.removeItem(atPath: p.root) }
        // Not in a git repository: the tasks clone a commit.
        var r = try p.proj("export", "airflow", "-o", p.root + "/dag.py")
        #expect(r.code == 2)
        #expect(r.err == "Error: \(p.root) is not in a git repository: the DAG's tasks clone the project at a commit, so commit it first\n", "\(r.err)")
        #expect(!p.exists("dag.py"))
        let env = ["GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@localhost", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@localhost"]
        #expect(try Self.run("/usr/bin/env", ["git", "init", "-q"], environment: env, in: p.root).0 == 0)
        r = try p.proj("export", "airflow", "-o", p.root + "/dag.py")
        #expect(r.code == 2 && r.err == "Error: the repository has no commit yet; commit the project first\n", "\(r.err)")
        #expect(try Self.run("/usr/bin/env", ["git", "add", "-A"], environment: env, in: p.root).0 == 0)
        #expect(try Self.run("/usr/bin/env", ["git", "commit", "-qm", "x"], environment: env, in: p.root).0 == 0)
        r = try p.proj("export", "airflow", "--remote", "nowhere", "-o", p.root + "/dag.py")
        #expect(r.code == 2 && r.err.hasPrefix("Error: no remote 'nowhere'"), "\(r.err)")
        r = try p.proj("export", "airflow", "--tracking", "mysql://x", "-o", p.root + "/dag.py")
        #expect(r.code == 2 && r.err.hasPrefix("Error: --tracking must be sqlite:PATH or postgres://USER@HOST:PORT/DB, not 'mysql://x'"), "\(r.err)")
        r = try p.proj("export", "airflow", "--tracking", "postgres://proj:s3cret@db:5432/proj", "-o", p.root + "/dag.py")
        #expect(r.code == 2 && r.err.hasPrefix("Error: --tracking holds a password, which the DAG file would carry: give it to the workers in PGPASSWORD or ~/.pgpass instead"), "\(r.err)")
        #expect(!r.err.contains("s3cret"))
        r = try p.proj("export", "airflow", "--revision", "no-such-rev", "-o", p.root + "/dag.py")
        #expect(r.code == 2 && r.err == "Error: no commit 'no-such-rev' in the repository\n", "\(r.err)")
        #expect(!p.exists("dag.py"))
        r = try p.proj("export", "airflow", "-o", p.root + "/dags/t.py")
        #expect(r.code == 0 && r.err.isEmpty, "\(r.err)")
        #expect(p.read("dags/t.py")?.contains("REPOSITORY = \"\(URL(fileURLWithPath: p.root).resolvingSymlinksInPath().path)\"") == true)
        // The tasks' `proj repro -r NAME`: the remote must exist.
        r = try p.proj("repro", "-r", "nowhere")
        #expect(r.code == 2 && r.err.hasPrefix("Error: no remote 'nowhere'"), "\(r.err)")
        #expect(!p.exists("lockfiles/a.lock"))
        r = try p.proj("repro", "-r", "nowhere", "--no-remote")
        #expect(r.code == 2 && r.err.contains("--no-remote and --remote exclude each other"), "\(r.err)")
        // Uncommitted changes are not in the pinned commit: said.
        try p.write("project.yaml", (p.read("project.yaml") ?? "") + "  b:\n    cmd: echo b > b.txt\n    outs: [b.txt]\n")
        r = try p.proj("export", "airflow", "-o", p.root + "/dags/t.py")
        #expect(r.err.hasPrefix("warning: the DAG pins commit "), "\(r.err)")
    }

    @Test func theExportedDAGRunsOnAirflowWithWorkersSharingOnlyTheRemote() async throws {
        let airflow = try Self.airflow()
        let python = (airflow as NSString).deletingLastPathComponent + "/python"
        let moto = try MotoServer()
        defer { moto.stop() }
        _ = try await DataRemoteTests.bucket(moto, "pipelines")
        let postgres = try PostgresServer()
        defer { postgres.stop() }

        let top = FileManager.default.temporaryDirectory.appendingPathComponent("proj-airflow-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: top) }
        var repo = try TempProject(at: top + "/repo")
        for (path, text) in try Self.pipeline(endpoint: moto.endpoint) { try repo.write(path, text) }
        let counter = top + "/runs.txt"
        let home = top + "/airflow"
        try FileManager.default.createDirectory(atPath: home + "/dags", withIntermediateDirectories: true)
        let bin = URL(fileURLWithPath: projBinary).deletingLastPathComponent().path
        let environment = DataRemoteTests.credentials.merging([
            "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "PROJ_CONFIG_DIR": top + "/config", "PROJ_TEST_COUNTER": counter, "PROJ_WORK_DIR": top,
            "AIRFLOW_HOME": home, "AIRFLOW__CORE__DAGS_FOLDER": home + "/dags", "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@localhost", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@localhost",
        ]) { $1 }
        repo.environment = environment
        func git(_ arguments: String...) throws {
            let (code, out) = try Self.run("/usr/bin/env", ["git"] + arguments, environment: environment, in: repo.root)
            try #require(code == 0, "git \(arguments): \(out)")
        }
        func runs() -> [String] { ((try? String(contentsOfFile: counter, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
        try git("init", "-q")
        try git("add", "-A")
        try git("commit", "-q", "-m", "the pipeline")

        // The DAG, written twice: the same bytes.
        let tracking = postgres.url
        var r = try repo.proj("export", "airflow", "--tracking", tracking, "-o", home + "/dags/small.py")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("wrote \(home)/dags/small.py: DAG 'small', 5 tasks, commit "), "\(r.out)")
        let dag = try String(contentsOfFile: home + "/dags/small.py", encoding: .utf8)
        #expect(try repo.proj("export", "airflow", "--tracking", tracking, "-o", home + "/dags/small.py").code == 0)
        #expect(try String(contentsOfFile: home + "/dags/small.py", encoding: .utf8) == dag)

        var (code, log) = try Self.run(airflow, ["db", "migrate"], environment: environment, in: home)
        try #require(code == 0, "\(log)")

        // First run: every stage runs once, each in its own worker's clone.
        (code, log) = try Self.run(airflow, ["dags", "test", "small"], environment: environment, in: home)
        var states = try Self.states(python: python, home: home, dag: "small")
        #expect(states == ["(run)": "success", "ingest": "success", "train": "success", "summary": "success", "evaluate": "success", "release": "success"],
                "\(states)\n\(log.suffix(4000))")
        #expect(runs().sorted() == ["evaluate", "ingest", "release", "summary", "train"], "\(runs())")
        #expect(log.contains("Stage 'ingest' restored from remote run-cache 'storage' (no lock)"), "\(log.suffix(4000))")
        // No clone is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: top).filter { $0.hasPrefix("proj-task-") }.isEmpty)

        // The bundle the workers built is the one a local `proj repro` builds, byte for byte.
        var local = TempProject(at: top + "/local")
        local.environment = environment
        (code, log) = try Self.run("/usr/bin/env", ["git", "clone", "-q", repo.root, local.root], environment: environment, in: top)
        try #require(code == 0, "\(log)")
        let before = runs().count
        r = try local.proj("repro")
        #expect(r.code == 0, "\(r.err)")
        // Every stage came from the remote's run-cache: no command ran here either.
        #expect(runs().count == before, "\(r.out)")
        #expect(r.out.components(separatedBy: "restored from remote run-cache 'storage'").count - 1 == 5, "\(r.out)")
        var alone = TempProject(at: top + "/alone")
        alone.environment = environment
        (code, log) = try Self.run("/usr/bin/env", ["git", "clone", "-q", repo.root, alone.root], environment: environment, in: top)
        try #require(code == 0, "\(log)")
        r = try alone.proj("repro", "--no-remote")
        #expect(r.code == 0, "\(r.err)")
        let fromDAG = try sha256(local.root + "/release/small.tar"), fromHere = try sha256(alone.root + "/release/small.tar")
        #expect(fromDAG == fromHere)
        // The release task pushed the bundle it built to the remote: any machine pulls it by name.
        r = try local.proj("bundle", "pull", "small@1.0.0", "-o", top + "/pulled")
        #expect(r.code == 0, "\(r.err)")
        #expect(try sha256(top + "/pulled/small-1.0.0.tar") == fromHere)

        // The runs are in the shared tracking database: one per task.
        r = try local.proj("exp", "show", "--tracking", tracking, "--json")
        #expect(r.code == 0, "\(r.err)")
        let shown = (try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]]) ?? []
        #expect(shown.count == 5, "\(r.out)")

        // A second run of the DAG runs no stage: each task restores its stage from the remote's run-cache.
        let counted = runs().count
        (code, log) = try Self.run(airflow, ["dags", "test", "small"], environment: environment, in: home)
        states = try Self.states(python: python, home: home, dag: "small")
        #expect(states["(run)"] == "success", "\(states)\n\(log.suffix(4000))")
        #expect(runs().count == counted, "\(runs())")
        for stage in ["ingest", "train", "summary", "evaluate", "release"] {
            #expect(log.contains("Stage '\(stage)' restored from remote run-cache 'storage' (no lock)"), "\(stage)")
        }

        // A failing stage fails its task and the tasks downstream of it only, with its reason and stderr in the log.
        try repo.write("stages/check.sh", "echo 'the labels are not ready' >&2\nexit 3\n")
        try git("commit", "-q", "-am", "train fails")
        r = try repo.proj("export", "airflow", "--tracking", tracking, "--dag-id", "small_failing", "-o", home + "/dags/small_failing.py")
        #expect(r.code == 0, "\(r.err)")
        (code, log) = try Self.run(airflow, ["dags", "test", "small_failing"], environment: environment, in: home)
        states = try Self.states(python: python, home: home, dag: "small_failing")
        #expect(states == ["(run)": "failed", "ingest": "success", "train": "failed", "summary": "success", "evaluate": "upstream_failed", "release": "upstream_failed"],
                "\(states)\n\(log.suffix(4000))")
        #expect(log.contains("Running stage 'train': no lock"), "\(log.suffix(4000))")
        #expect(log.contains("Stage 'train' failed: exit code 3; last lines of stderr:"), "\(log.suffix(4000))")
        #expect(log.contains("the labels are not ready"))
    }
}
