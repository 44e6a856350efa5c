import Fingerprint
import Foundation
import ProjectModel
import Testing
import YAML
@testable import Runner

@Suite struct ToolTests {
    @Test func projsIdentityIsFoundInTheCommandsThatRunIt() {
        func names(_ command: String) -> [String] { ProjIdentity.of([command]).map(\.name) }
        #expect(ProjIdentity.of(["proj ml train --input x"]).map { "\($0.name)=\($0.value)" } == ["proj ml=\(ToolVersion.mlBehaviour)"])
        #expect(names("proj bundle") == ["proj bundle"])
        #expect(names("proj predict --model m") == ["proj ml"])
        #expect(names("/opt/proj/bin/proj -C sub ml evaluate") == ["proj ml"])
        #expect(names("OMP_NUM_THREADS=1 env time proj ml train") == ["proj ml"])
        #expect(names("mkdir -p out && proj ml ingest | tee log; proj bundle") == ["proj bundle", "proj ml"])
        #expect(names("(cd sub && proj metrics show)") == ["proj"])
        #expect(names("python3 train.py --proj ml") == [])
        #expect(names("echo 'proj ml train'") == [])
        #expect(names("projector ml") == [])
        #expect(names("./myproj ml") == [])
    }

    @Test func aToolsChangeReadsAsTheLinesThatDiffer() {
        func detail(_ a: String, _ b: String) -> String { ToolDifference.detail(ToolReading(text: a), ToolReading(text: b)) }
        #expect(detail("Python 3.11.7", "Python 3.12.1") == "Python 3.11.7 -> Python 3.12.1")
        #expect(detail("a==1\nb==2\nc==3", "a==1\nb==3\nc==3") == "b==2 -> b==3")
        #expect(detail("a==1\nb==2", "a==1\nb==2\nc==3") == "+c==3")
        #expect(detail("a\nb\nc\nd", "e\nf\ng\nh") == "-a, -b, -c (8 lines differ)")
        #expect(detail("a\nb", "b\na") == "lines reordered")
        #expect(ToolDifference.detail(ToolReading(sha256: String(repeating: "a", count: 64)), ToolReading(text: "x\ny"))
                    == "sha256 aaaaaaaaaaaa -> \(ToolReading(text: "x\ny").sha256.prefix(12))")
        #expect(detail(String(repeating: "x", count: 200), "y").count < 90)
        #expect(detail("\u{1B}[32mok\u{1B}[0m", "\u{1B}[31mfail\u{1B}[0m") == "\\e[32mok\\e[0m -> \\e[31mfail\\e[0m")
        #expect(Reason.toolRemoved("x\u{1B}]0;y").description == "tool 'x\\e]0;y' removed")
    }

    @Test func aLockKeepsToolsAndPlatformAndReadsThemBack() throws {
        let long = (1...30).map { "pkg\($0)==1.0" }.joined(separator: "\n")
        let lock = Lock(stage: "s", fingerprint: String(repeating: "f", count: 64), cmd: ["c"],
                        tools: ["proj ml": ToolReading(text: "1"), "python3 --version": ToolReading(text: "Python 3.11.7"),
                                "pip freeze": ToolReading(text: long), "tricky": ToolReading(text: "a: b # 'c' \"d\"")],
                        platform: ["arch": "x86_64", "os": "Debian GNU/Linux 12 (bookworm)", "proj": "0.2.0"])
        let yaml = lock.yaml
        #expect(yaml.contains("  pip freeze: {lines: 30, sha256: \(ToolReading(text: long).sha256)}"), "\(yaml)")
        #expect(!yaml.contains("pkg1==1.0"))
        let back = try Lock.parse(yaml, file: "s.lock")
        #expect(back.tools == lock.tools)
        #expect(back.tools["python3 --version"]?.text == "Python 3.11.7")
        #expect(back.tools["tricky"]?.text == "a: b # 'c' \"d\"")
        #expect(back.tools["proj ml"]?.text == "1")
        #expect(back.tools["pip freeze"]?.text == nil)
        #expect(back.platform == lock.platform)
        #expect(throws: SourceError.self) { try Lock.parse(yaml.replacingOccurrences(of: "sha256: \(ToolReading(text: long).sha256)", with: "sha256: nope"), file: "s.lock") }
    }

    @Test func toolsAreInTheFingerprintAndTheReasons() {
        var stage = trainStage
        stage.tools = ["python3 --version"]
        var seen = observation(stage: stage)
        seen.tools = ["python3 --version": ToolReading(text: "Python 3.11.7")]
        seen.fingerprint = Observation.fingerprint(of: stage, deps: seen.deps, code: seen.code, params: seen.params, tools: seen.tools)
        let lock = seen.lock(for: stage, outs: ["out.bin": digestB])
        #expect(Staleness.reasons(stage: stage, lock: lock, observed: seen).isEmpty)
        var later = seen
        later.tools["python3 --version"] = ToolReading(text: "Python 3.12.1")
        later.fingerprint = Observation.fingerprint(of: stage, deps: later.deps, code: later.code, params: later.params, tools: later.tools)
        #expect(later.fingerprint != seen.fingerprint)
        #expect(Staleness.reasons(stage: stage, lock: lock, observed: later).map(\.description) == ["tool 'python3 --version': Python 3.11.7 -> Python 3.12.1"])
        var old = lock
        old.tools = [:]
        #expect(Staleness.reasons(stage: stage, lock: old, observed: seen).map(\.description) == ["tool 'python3 --version' added: Python 3.11.7"])
        later.tools = ["proj ml": ToolReading(text: "2")]
        old.tools = ["proj ml": ToolReading(text: "1")]
        #expect(Staleness.reasons(stage: stage, lock: old, observed: later).map(\.description) == ["tool proj ml: 1 -> 2"])
    }

    @Test func undeclaredFilesAreFoundInErrorMessages() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("proj-undeclared-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for path in ["stages/extra.py", "data/a b.csv", "sub/conf.yaml", "data/in.csv"] {
            try FileManager.default.createDirectory(atPath: root + "/" + TemporaryPath.split(path).0, withIntermediateDirectories: true)
            try "x".write(toFile: root + "/" + path, atomically: true, encoding: .utf8)
        }
        let visible: (String) -> Bool = { $0 == "data/in.csv" }
        func named(_ line: String, wdir: String = "") -> [String] { UndeclaredReads.named(in: line, root: root, wdir: wdir, visible: visible) }
        #expect(named("FileNotFoundError: [Errno 2] No such file or directory: 'stages/extra.py'") == ["stages/extra.py"])
        #expect(named("cat: stages/extra.py: No such file or directory") == ["stages/extra.py"])
        #expect(named("python3: can't open file '\(root)/stages/extra.py': [Errno 2]") == ["stages/extra.py"])
        #expect(named("error reading ../sub/conf.yaml.", wdir: "stages") == ["sub/conf.yaml"])
        #expect(named("cannot read data/in.csv") == [])
        #expect(named("no such file: /etc/passwd, ../../outside, stages, missing.txt") == [])
    }
}
