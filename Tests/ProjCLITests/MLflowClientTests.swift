import Foundation
import Testing

/// The real `mlflow` Python client (mlflow-skinny from PyPI, in a venv under .build the first run creates)
/// logging into `proj ui` and reading back what it logged, as a training script with an epoch callback does.
@Suite(.serialized) struct MLflowClientTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The venv's python: `PROJ_MLFLOW_PYTHON`, else `.build/test-venvs/mlflow`, created with mlflow-skinny when missing.
    static func python() throws -> String {
        if let given = ProcessInfo.processInfo.environment["PROJ_MLFLOW_PYTHON"] { return given }
        let venv = packageRoot + "/.build/test-venvs/mlflow"
        let python = venv + "/bin/python"
        if !FileManager.default.isExecutableFile(atPath: python) || (try? run(python, ["-c", "import mlflow"])) != 0 {
            try #require(try run("/usr/bin/env", ["python3", "-m", "venv", venv]) == 0, "python3 -m venv failed")
            try #require(try run(venv + "/bin/pip", ["install", "-q", "mlflow-skinny"]) == 0, "pip install mlflow-skinny failed")
        }
        return python
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], output: String? = nil) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let output {
            FileManager.default.createFile(atPath: output, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The port `proj ui --port 0` says it listens on, once it says so.
    static func port(of server: TempProject.Running) throws -> String {
        var port: String?
        _ = eventually(20) {
            port = server.output().firstMatch(of: /on http:\/\/127\.0\.0\.1:(\d+)/).map { String($0.1) }
            return port != nil
        }
        return try #require(port, "proj ui did not say it was ready: \(server.errors())")
    }

    @Test func theMlflowClientLogsIntoProjUIAndReadsItBack() throws {
        let python = try Self.python()
        let p = try TempProject(["project.yaml": "name: demo\nstages: {}\n"])
        let server = try p.start(["ui", "--port", "0"])
        defer {
            if server.process.isRunning { kill(server.process.processIdentifier, SIGTERM) }
            server.process.waitUntilExit()
        }
        let port = try Self.port(of: server)
        let out = p.root + "/client.json"
        let code = try Self.run(python, [Self.packageRoot + "/scripts/mlflow-client-check.py", "http://127.0.0.1:\(port)"], output: out)
        let text = p.read("client.json") ?? ""
        try #require(code == 0, "the mlflow client failed: \(text)")
        // The client prints "View run ..." lines of its own first; the script's JSON is the last line.
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        let got = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "\(text)")
        let id = try #require(got["run_id"] as? String)
        #expect(got["runs"] as? [String] == [id])
        #expect(got["filtered"] as? [String] == [id] && got["filtered_out"] as? [String] == [])
        #expect(got["status"] as? String == "FINISHED" && got["name"] as? String == "five-epochs")
        #expect(got["params"] as? [String: String] == ["lr": "0.01", "layers": "3"])
        #expect(got["tags"] as? [String: String] == ["framework": "keras"])
        #expect(got["loss_steps"] as? [Int] == [0, 1, 2, 3, 4])
        #expect(got["loss_values"] as? [Double] == [1.0, 0.5, 1.0 / 3, 0.25, 0.2])
        #expect(got["accuracy_is_nan"] as? [Bool] == [true])

        // The same run in proj's own view of the history.
        let shown = try p.proj("exp", "show", "--json")
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(shown.out.utf8)) as? [[String: Any]])
        #expect(runs.count == 1 && runs.first?["id"] as? String == id && runs.first?["experiment"] as? String == "keras-callback")
        #expect(runs.first?["source"] as? String == "api" && runs.first?["status"] as? String == "succeeded")
        #expect((runs.first?["metrics"] as? [String: Any])?["accuracy"] as? String == "NaN")
    }

    /// While `proj ui` serves the project's history, a repro's stages get its address and their run's id.
    @Test func stagesOfARunGetTheTrackingServerWhileItRuns() throws {
        let p = try TempProject([
            "project.yaml": "name: demo\nstages:\n  log:\n    cmd: echo \"$MLFLOW_TRACKING_URI $MLFLOW_RUN_ID $PROJ_RUN_ID\" > seen.txt\n    outs: [seen.txt]\n",
        ])
        let server = try p.start(["ui", "--port", "0"])
        defer {
            if server.process.isRunning { kill(server.process.processIdentifier, SIGTERM) }
            server.process.waitUntilExit()
        }
        let port = try Self.port(of: server)
        #expect(try p.proj("repro").code == 0)
        let seen = (p.read("seen.txt") ?? "").split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(seen.count == 3 && seen[0] == "http://127.0.0.1:\(port)" && seen[1] == seen[2] && seen[1].count == 32, "\(seen)")
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        #expect(!p.exists(".proj/ui"))
        #expect(try p.proj("repro", "-f").code == 0)
        #expect(p.read("seen.txt")?.hasPrefix("  ") == true, "\(p.read("seen.txt") ?? "")")
    }
}
