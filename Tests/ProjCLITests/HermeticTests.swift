import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The tools in the fingerprint, proj's own identity, the platform in locks, and the sandbox.
@Suite(.serialized) struct HermeticTests {
    /// Whether bubblewrap can make namespaces on this machine.
    static let sandboxWorks: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "bwrap --die-with-parent --ro-bind / / --dev /dev --proc /proc --unshare-net -- /bin/true"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test func aToolsOutputIsPartOfTheFingerprint() throws {
        let p = try TempProject([
            "project.yaml": """
                name: t
                version: 0.1.0
                stages:
                  build:
                    cmd: echo built >> runs/build && cp in.txt out.txt
                    deps: [in.txt]
                    outs: [out.txt]
                    tools: ["cat runtime.txt", "cat freeze.txt"]
                  other:
                    cmd: echo other >> runs/other && echo x > other.txt
                    outs: [other.txt]
                    tools: ["cat runtime.txt"]

                """,
            "in.txt": "a\n", "runtime.txt": "Python 3.11.7\n", "freeze.txt": "numpy==1.26.0\nscipy==1.11.0\n", "runs/.keep": "",
        ])
        defer { try? FileManager.default.removeItem(atPath: p.root) }
        var r = try p.proj("repro")
        #expect(r.code == 0, "\(r.err)")
        let lock = p.read("lockfiles/build.lock") ?? ""
        #expect(lock.contains("cat runtime.txt: Python 3.11.7"), "\(lock)")
        #expect(lock.contains("cat freeze.txt: {lines: 2, sha256: "), "\(lock)")

        // The same outputs: nothing runs.
        r = try p.proj("repro")
        #expect(r.out.contains("Everything is fresh; nothing to run."), "\(r.out)")
        #expect([p.runs("build"), p.runs("other")] as [Int] == [1, 1])

        // One line of a long output changes: only the stage that reads that tool runs, and says which line.
        try p.write("freeze.txt", "numpy==2.0.0\nscipy==1.11.0\n")
        r = try p.proj("status")
        #expect(r.code == 1)
        #expect(r.out == "build: tool 'cat freeze.txt': numpy==1.26.0 -> numpy==2.0.0\n1 of 2 stages stale.\n", "\(r.out)")
        r = try p.proj("repro")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Running stage 'build': tool 'cat freeze.txt': numpy==1.26.0 -> numpy==2.0.0"), "\(r.out)")
        #expect([p.runs("build"), p.runs("other")] as [Int] == [2, 1])

        // A one-line output: both stages, each with the old and new text.
        try p.write("runtime.txt", "Python 3.12.1\n")
        r = try p.proj("repro")
        #expect(r.out.contains("Running stage 'build': tool 'cat runtime.txt': Python 3.11.7 -> Python 3.12.1"), "\(r.out)")
        #expect(r.out.contains("Running stage 'other': tool 'cat runtime.txt': Python 3.11.7 -> Python 3.12.1"), "\(r.out)")
        #expect([p.runs("build"), p.runs("other")] as [Int] == [3, 2])

        // The output changes back: the run-cache has it, nothing runs.
        try p.write("runtime.txt", "Python 3.11.7\n")
        r = try p.proj("repro", "build")
        #expect(r.out.contains("Stage 'build' restored from run-cache (tool 'cat runtime.txt': Python 3.12.1 -> Python 3.11.7)"), "\(r.out)")
        #expect(p.runs("build") == 3)

        // A tool that fails: named with its stage and exit code, exit 1, the lock untouched.
        let before = p.read("lockfiles/build.lock")
        try p.write("project.yaml", (p.read("project.yaml") ?? "").replacingOccurrences(of: "\"cat freeze.txt\"", with: "\"sh -c 'echo no pip >&2; exit 127'\""))
        r = try p.proj("status")
        #expect(r.code == 1)
        #expect(r.err == "Error: stage 'build': tool 'sh -c 'echo no pip >&2; exit 127'' failed (exit code 127: no pip); fix the command in its 'tools:' list\n", "\(r.err)")
        r = try p.proj("repro", "build")
        #expect(r.code == 1)
        #expect(r.err.contains("Stage 'build' failed: tool 'sh -c 'echo no pip >&2; exit 127'' failed (exit code 127: no pip)"), "\(r.err)")
        #expect(p.read("lockfiles/build.lock") == before)
        #expect(p.runs("build") == 3)

        // A bad `tools:` is refused when project.yaml is read.
        try p.write("project.yaml", "name: t\nversion: 0.1.0\nstages:\n  a:\n    cmd: 'true'\n    tools: python3 --version\n")
        r = try p.proj("status")
        #expect(r.code == 2)
        #expect(r.err.contains("stage 'a': 'tools' must be a list of commands, found a scalar"), "\(r.err)")
        for (tools, message) in [("[\"  \"]", "stage 'a': a 'tools' command is empty"),
                                 ("[\"python3\\n--version\"]", "stage 'a': a 'tools' command must be one line"),
                                 ("[python3]\n    sandbox: maybe", "stage 'a': 'sandbox' must be true or false"),
                                 ("[python3]\n    network: 1", "stage 'a': 'network' must be true or false")] {
            try p.write("project.yaml", "name: t\nversion: 0.1.0\nstages:\n  a:\n    cmd: 'true'\n    tools: \(tools)\n")
            r = try p.proj("status")
            #expect(r.code == 2 && r.err.contains(message), "\(tools): \(r.err)")
        }
    }

    @Test func aToolRunsOncePerInvocationForManyStages() throws {
        var yaml = "name: t\nversion: 0.1.0\nstages:\n"
        for i in 0..<10 { yaml += "  s\(i):\n    cmd: echo \(i) > o\(i).txt\n    outs: [o\(i).txt]\n    tools: [\"echo probe >> probes.txt; echo v1\"]\n" }
        let p = try TempProject(["project.yaml": yaml])
        defer { try? FileManager.default.removeItem(atPath: p.root) }
        let r = try p.proj("repro", "-j", "4")
        #expect(r.code == 0, "\(r.err)")
        #expect(p.read("probes.txt") == "probe\n")
        try p.proj("status")
        #expect(p.read("probes.txt") == "probe\nprobe\n")
    }

    @Test func aToolThatHangsOrLeavesChildrenIsStoppedWithAllItStarted() throws {
        var p = try TempProject([
            "project.yaml": """
                name: t
                version: 0.1.0
                stages:
                  a:
                    cmd: echo a > a.txt
                    outs: [a.txt]
                    tools: ["(sleep 31 &) ; echo v1"]
                  b:
                    cmd: echo b > b.txt
                    outs: [b.txt]
                    tools: ["sleep 32; echo never"]

                """,
        ])
        defer { try? FileManager.default.removeItem(atPath: p.root) }
        p.environment = ["PROJ_TOOL_TIMEOUT": "1"]
        let start = Date()
        let r = try p.proj("repro", "--keep-going")
        // Each is stopped after its second, with the process group it started: no `sleep` is left running.
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(r.code == 1)
        #expect(r.err.contains("Stage 'a' failed: tool '(sleep 31 &) ; echo v1' failed (did not finish in 1 s)"), "\(r.err)")
        #expect(r.err.contains("Stage 'b' failed: tool 'sleep 32; echo never' failed (did not finish in 1 s)"), "\(r.err)")
        #expect(!p.exists("lockfiles/a.lock") && !p.exists("lockfiles/b.lock"))
        let left = try MLflowClientTests.run("/usr/bin/pgrep", ["-f", "^sleep 3[12]$"])
        #expect(left == 1, "a tool's process outlived it")
    }

    @Test func aStageRunningProjCarriesProjsIdentity() throws {
        var p = try TempProject([
            "project.yaml": """
                name: t
                version: 0.1.0
                stages:
                  help:
                    cmd: echo run >> runs/help && proj ml --help > help.txt
                    outs: [help.txt]
                  shell:
                    cmd: echo run >> runs/shell && echo proj > shell.txt
                    outs: [shell.txt]

                """,
            "runs/.keep": "",
        ])
        defer { try? FileManager.default.removeItem(atPath: p.root) }
        p.environment = projEnvironment(p)
        var r = try p.proj("repro")
        #expect(r.code == 0, "\(r.err)")
        let lock = p.read("lockfiles/help.lock") ?? ""
        #expect(lock.contains("tools:\n  proj ml: \"1\""), "\(lock)")
        #expect(!(p.read("lockfiles/shell.lock") ?? "").contains("tools:"))
        // The platform is recorded, libxgboost's version with it for a stage that runs `proj ml`.
        #expect(lock.contains("platform:\n  arch: "), "\(lock)")
        #expect(lock.contains("\n  xgboost: "), "\(lock)")
        #expect(!(p.read("lockfiles/shell.lock") ?? "").contains("xgboost"))

        // Another behaviour of the ML steps (a test build's stand-in): that stage is stale, and says so.
        p.environment["PROJ_TEST_IDENTITY"] = "proj ml=2"
        r = try p.proj("status")
        #expect(r.code == 1)
        #expect(r.out == "help: tool proj ml: 1 -> 2\n1 of 2 stages stale.\n", "\(r.out)")
        r = try p.proj("repro")
        #expect(r.out.contains("Running stage 'help': tool proj ml: 1 -> 2"), "\(r.out)")
        #expect([p.runs("help"), p.runs("shell")] as [Int] == [2, 1])
        #expect((p.read("lockfiles/help.lock") ?? "").contains("proj ml: \"2\""))
        p.environment["PROJ_TEST_IDENTITY"] = nil
        r = try p.proj("repro")
        #expect(r.out.contains("Stage 'help' restored from run-cache (tool proj ml: 2 -> 1)"), "\(r.out)")
    }

    @Test func statusWarnsOnceWhenLocksCameFromAnotherMachine() throws {
        let p = try TempProject([
            "project.yaml": "name: t\nversion: 0.1.0\nstages:\n  a:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n  b:\n    cmd: echo b > b.txt\n    outs: [b.txt]\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: p.root) }
        #expect(try p.proj("repro").code == 0)
        var r = try p.proj("status")
        #expect(r.code == 0 && r.err.isEmpty, "\(r.err)")
        for stage in ["a", "b"] {
            let lock = try #require(p.read("lockfiles/\(stage).lock"))
            let arch = try #require(lock.split(separator: "\n").first { $0.hasPrefix("  arch: ") })
            try p.write("lockfiles/\(stage).lock", lock.replacingOccurrences(of: String(arch), with: "  arch: mips64"))
        }
        r = try p.proj("status")
        // Information, not fingerprint: still fresh, exit 0, one warning for both locks.
        #expect(r.code == 0)
        #expect(r.out == "Everything is fresh (2 stages).\n")
        #expect(r.err.hasPrefix("warning: lockfiles/a.lock and 1 other lock were written on another machine (arch mips64 there, "), "\(r.err)")
        #expect(r.err.hasSuffix(" here): outputs made here may differ from the recorded ones\n"), "\(r.err)")
        #expect(r.err.split(separator: "\n").count == 1, "\(r.err)")
    }

    @Test func aSandboxedStageSeesOnlyWhatItDeclares() throws {
        let p = try TempProject([
            "project.yaml": """
                name: t
                version: 0.1.0
                stages:
                  train:
                    cmd: cat data/in.csv stages/extra.py > models/model.txt
                    deps: [data/in.csv]
                    outs: [models/model.txt]
                    sandbox: true

                """,
            "data/in.csv": "a,b\n", "stages/extra.py": "x = 1\n", "secret.txt": "s\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: p.root) }
        guard HermeticTests.sandboxWorks else {
            // No namespaces here: the stage is not run unsandboxed unless asked.
            var r = try p.proj("repro")
            #expect(r.code == 1)
            #expect(r.err.contains("Stage 'train' not run: it asks for a sandbox, but none can be made here: "), "\(r.err)")
            #expect(!p.exists("lockfiles/train.lock"))
            r = try p.proj("repro", "--no-sandbox")
            #expect(r.code == 0, "\(r.err)")
            #expect(r.err.contains("--no-sandbox: 'train' runs without the sandbox it asks for"), "\(r.err)")
            return
        }
        var r = try p.proj("repro")
        #expect(r.code == 1)
        #expect(r.err.contains("cat: stages/extra.py: No such file or directory"), "\(r.err)")
        #expect(r.err.contains("stage 'train' read stages/extra.py, which it does not declare: add it to deps or code"), "\(r.err)")
        #expect(!p.exists("lockfiles/train.lock"))
        #expect(FileSystemCheck.leftovers(p.root + "/.proj/sandbox").isEmpty)
        #expect(p.read("stages/extra.py") == "x = 1\n")

        // Declared as code: it runs, sees both files, and nothing else of the project.
        try p.write("project.yaml", (p.read("project.yaml") ?? "").replacingOccurrences(
            of: "    deps: [data/in.csv]\n", with: "    deps: [data/in.csv]\n    code: [stages/extra.py]\n"))
        try p.write("project.yaml", (p.read("project.yaml") ?? "").replacingOccurrences(
            of: "> models/model.txt", with: "> models/model.txt && ls -a > models/seen.txt && echo y > stages/new.py"))
        r = try p.proj("repro")
        #expect(r.code == 0, "\(r.err)")
        #expect(p.read("models/model.txt") == "a,b\nx = 1\n")
        #expect(p.exists("lockfiles/train.lock"))
        #expect(FileSystemCheck.leftovers(p.root + "/.proj/sandbox").isEmpty)
        // The command's view of the project: only what the stage declares (no secret.txt, project.yaml, .proj).
        let seen = (p.read("models/seen.txt") ?? "").split(separator: "\n").map(String.init)
        #expect(seen == [".", "..", "data", "models", "stages"], "\(seen)")
        // What it wrote outside its outs is discarded, and said.
        #expect(r.err.contains("Stage 'train' wrote stages/new.py in its sandbox, which it does not declare as outs; discarded"), "\(r.err)")
        #expect(!p.exists("stages/new.py"))
    }

    @Test func aSandboxedStageHasNoNetworkUnlessItSaysSo() throws {
        guard HermeticTests.sandboxWorks else { return }
        let listener = try LoopbackListener()
        defer { listener.stop() }
        let connect = "python3 -c \"import socket; socket.create_connection(('127.0.0.1', \(listener.port)), 3)\" && echo reached > net.txt"
        let p = try TempProject([
            "project.yaml": "name: t\nversion: 0.1.0\nstages:\n  fetch:\n    cmd: \(connect)\n    outs: [net.txt]\n    sandbox: true\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: p.root) }
        var r = try p.proj("repro")
        #expect(r.code == 1)
        #expect(r.err.contains("Network is unreachable") || r.err.contains("Connection refused"), "\(r.err)")
        #expect(listener.accepted == 0)
        #expect(!p.exists("lockfiles/fetch.lock"))

        try p.write("project.yaml", (p.read("project.yaml") ?? "") + "    network: true\n")
        r = try p.proj("repro")
        #expect(r.code == 0, "\(r.err)")
        #expect(p.read("net.txt") == "reached\n")
        #expect(listener.accepted >= 1)
    }

    @Test func reproSandboxCoversEveryStageAndNoSandboxNone() throws {
        guard HermeticTests.sandboxWorks else { return }
        let p = try TempProject([
            "project.yaml": "name: t\nversion: 0.1.0\nstages:\n  a:\n    cmd: cat notes.txt > a.txt\n    outs: [a.txt]\n",
            "notes.txt": "n\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: p.root) }
        var r = try p.proj("repro", "--sandbox")
        #expect(r.code == 1)
        #expect(r.err.contains("stage 'a' read notes.txt, which it does not declare: add it to deps or code"), "\(r.err)")
        r = try p.proj("repro")
        #expect(r.code == 0, "\(r.err)")
        #expect(p.read("a.txt") == "n\n")
    }

    @Test func withoutASandboxStagesThatAskForOneDoNotRun() throws {
        var p = try TempProject([
            "project.yaml": """
                name: t
                version: 0.1.0
                stages:
                  a:
                    cmd: echo a > a.txt
                    outs: [a.txt]
                    sandbox: true
                  b:
                    cmd: echo b > b.txt
                    outs: [b.txt]
                    sandbox: true
                  c:
                    cmd: echo c > c.txt
                    outs: [c.txt]

                """,
        ])
        defer { try? FileManager.default.removeItem(atPath: p.root) }
        p.environment = ["PROJ_BWRAP": p.root + "/no-such-bwrap"]
        var r = try p.proj("repro", "--keep-going")
        #expect(r.code == 1)
        #expect(r.err.contains("Stage 'a' not run: it asks for a sandbox, but none can be made here: PROJ_BWRAP names \(p.root)/no-such-bwrap, which is not an executable; `proj repro --no-sandbox` runs it without one"), "\(r.err)")
        // Said once: the next stage refers to it.
        #expect(r.err.contains("Stage 'b' not run: it asks for a sandbox, but none can be made here (see above)"), "\(r.err)")
        #expect(!p.exists("lockfiles/a.lock") && !p.exists("lockfiles/b.lock") && !p.exists("a.txt"))
        #expect(p.read("c.txt") == "c\n")
        r = try p.proj("repro", "--no-sandbox")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("--no-sandbox: 'a', 'b' run without the sandbox they ask for"), "\(r.err)")
        #expect(p.read("a.txt") == "a\n" && p.read("b.txt") == "b\n")
    }

    /// The flagship's stages all declare `sandbox: true`: each one reads only what it declares.
    @Test func theFlagshipsStagesAreSandboxed() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let text = try String(contentsOfFile: root + "/project.yaml", encoding: .utf8)
        let stages = text.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") && $0.hasSuffix(":") }
        #expect(stages.count == 6, "\(stages)")
        #expect(text.components(separatedBy: "\n    sandbox: true\n").count - 1 == stages.count)
    }
}

/// What a test may find left in a directory.
enum FileSystemCheck {
    static func leftovers(_ directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }
}

/// A TCP listener on 127.0.0.1 that accepts and counts connections. Stopped by `stop()`.
final class LoopbackListener: @unchecked Sendable {
    let port: Int
    private let socket: Int32
    private let lock = NSLock()
    private var count = 0

    init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        socket = fd
        var address = FlippingProxy.loopback(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 16) == 0 else { close(fd); throw CocoaError(.fileWriteUnknown) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                lock.withLock { count += 1 }
                close(client)
            }
        }.start()
    }

    var accepted: Int { lock.withLock { count } }

    func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }
}
