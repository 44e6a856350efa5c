import Foundation
import Testing

/// The built `proj` executable, beside the test bundle (or `PROJ_BIN`).
let projBinary: String = {
    if let bin = ProcessInfo.processInfo.environment["PROJ_BIN"] { return bin }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("proj").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/proj").path
}()

/// A throwaway project directory whose stages are real shell commands.
struct TempProject {
    let root: String
    /// Extra environment for every `proj` this project runs.
    var environment: [String: String] = [:]

    /// A project at `root` (created when files are written).
    init(at root: String) {
        self.root = root
    }

    init(_ files: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("proj-e2e-\(UUID().uuidString)").path
        for (path, text) in files { try write(path, text) }
    }

    func write(_ path: String, _ text: String) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    func read(_ path: String) -> String? {
        try? String(contentsOfFile: root + "/" + path, encoding: .utf8)
    }

    func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: root + "/" + path)
    }

    /// How many times a stage appended to its `runs/<name>` counter file.
    func runs(_ name: String) -> Int {
        (read("runs/" + name) ?? "").split(separator: "\n").count
    }

    /// Runs `proj ARGS` in the project and waits for it.
    @discardableResult
    func proj(_ args: String...) throws -> (code: Int32, out: String, err: String) {
        try proj(args)
    }

    /// Runs `proj ARGS` in the project and waits for it.
    @discardableResult
    func proj(_ args: [String]) throws -> (code: Int32, out: String, err: String) {
        let p = try start(args)
        p.process.waitUntilExit()
        return (p.process.terminationStatus, p.output(), p.errors())
    }

    /// Starts `proj ARGS` without waiting (under `taskset -c CPU` when `pinnedToCPU` is given).
    func start(_ args: [String], pinnedToCPU cpu: Int? = nil) throws -> Running {
        let process = Process()
        if let cpu {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", String(cpu), projBinary] + args
        } else {
            process.executableURL = URL(fileURLWithPath: projBinary)
            process.arguments = args
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let out = root + "/.out-\(UUID().uuidString)"
        let err = root + "/.err-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        return Running(process: process, outPath: out, errPath: err)
    }

    struct Running {
        let process: Process
        let outPath: String
        let errPath: String
        func output() -> String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
        func errors() -> String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
    }

    /// Sets a file's mtime into the past so the stat cache may remember it.
    func age(_ path: String) throws {
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: root + "/" + path)
    }
}

/// Waits until `condition` holds (up to `seconds`).
func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// A three-stage pipeline: prepare -> train -> report, plus `lint` that depends on nothing produced.
let pipeline: [String: String] = [
    "data/raw.csv": "a\n1\n2\n3\n",
    "params.yaml": "# knobs\nprepare:\n  scale: 2\ntrain:\n  depth: 6   # tree depth\n  lr: 0.1\n",
    "project.yaml": """
        name: demo
        version: 1.0.0
        stages:
          prepare:
            cmd: echo x >> runs/prepare; awk 'NR>1{print $1*${params.prepare.scale}}' data/raw.csv > data/prepared.txt
            deps: [data/raw.csv]
            params: [prepare]
            outs: [data/prepared.txt]
          train:
            cmd: echo x >> runs/train; (cat data/prepared.txt; echo depth=${params.train.depth}) > model.txt
            deps: [data/prepared.txt]
            params: [train.depth]
            outs: [model.txt]
          report:
            cmd: echo x >> runs/report; wc -l < model.txt > report.txt
            deps: [model.txt]
            outs: [report.txt]
        """,
    "runs/.keep": "",
]
