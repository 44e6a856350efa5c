import Foundation
import Testing

@Suite(.serialized) struct ReproTests {
    @Test func firstRunThenFreshThenOnlyWhatAParamTouches() throws {
        let p = try TempProject(pipeline)
        var r = try p.proj("repro")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Running stage 'prepare': no lock"))
        #expect([p.runs("prepare"), p.runs("train"), p.runs("report")] as [Int] == [1, 1, 1])
        #expect(p.exists("lockfiles/prepare.lock") && p.exists("lockfiles/train.lock") && p.exists("lockfiles/report.lock"))

        r = try p.proj("status")
        #expect(r.code == 0)
        #expect(r.out == "Everything is fresh (3 stages).\n")
        r = try p.proj("repro")
        #expect(r.out.contains("Everything is fresh; nothing to run."))
        #expect([p.runs("prepare"), p.runs("train"), p.runs("report")] as [Int] == [1, 1, 1])

        // A param only train reads: train re-runs; report re-runs because model.txt changed.
        r = try p.proj("repro", "-S", "train.depth=8")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("params train.depth: 6 -> 8"))
        #expect(r.out.contains("Stage 'prepare' is fresh"))
        #expect(p.read("params.yaml") == "# knobs\nprepare:\n  scale: 2\ntrain:\n  depth: 8   # tree depth\n  lr: 0.1\n")
        #expect([p.runs("prepare"), p.runs("train"), p.runs("report")] as [Int] == [1, 2, 2])

        // A param nobody reads: nothing runs.
        r = try p.proj("repro", "-S", "train.lr=0.5")
        #expect([p.runs("prepare"), p.runs("train"), p.runs("report")] as [Int] == [1, 2, 2])
    }

    @Test func earlyCutoffKeepsDownstreamFresh() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        // The header changes (prepare re-runs) but prepare skips it, so its out is byte-identical.
        try p.write("data/raw.csv", "b\n1\n2\n3\n")
        let r = try p.proj("repro")
        #expect(r.code == 0)
        #expect(r.out.contains("Running stage 'prepare': dep data/raw.csv changed"))
        #expect(p.runs("prepare") == 2)
        #expect([p.runs("train"), p.runs("report")] as [Int] == [1, 1])
        #expect(r.out.contains("Stage 'train' is fresh"))
    }

    @Test func touchWithoutChangeRunsNothingAndRereadsOnce() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        for f in ["data/raw.csv", "data/prepared.txt", "model.txt", "report.txt"] { try p.age(f) }
        var r = try p.proj("status", "--json")
        #expect(r.code == 0)
        r = try p.proj("status", "--json")
        #expect(r.out.contains("\"bytes\": 0"), "\(r.out)")
        // touch: same content, new mtime
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-30)], ofItemAtPath: p.root + "/data/raw.csv")
        r = try p.proj("repro")
        #expect(r.code == 0)
        #expect([p.runs("prepare"), p.runs("train"), p.runs("report")] as [Int] == [1, 1, 1])
        r = try p.proj("status", "--json")
        #expect(r.out.contains("\"bytes\": 0"), "\(r.out)")
    }

    @Test func revertRestoresFromRunCache() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        let modelA = p.read("model.txt")
        try p.proj("repro", "-S", "train.depth=9")
        #expect(p.read("model.txt") != modelA)
        let r = try p.proj("repro", "-S", "train.depth=6")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Stage 'train' restored from run-cache"), "\(r.out)")
        #expect(p.runs("train") == 2)
        #expect(p.read("model.txt") == modelA)
        #expect(try p.proj("status").code == 0)
    }

    @Test func failingStageRecordsNothingAndStopsDownstream() throws {
        var files = pipeline
        files["project.yaml"] = pipeline["project.yaml"]!.replacingOccurrences(
            of: "echo x >> runs/train;", with: "echo x >> runs/train; if [ -f fail ]; then echo 'boom - bad depth' >&2; exit 3; fi;")
        let p = try TempProject(files)
        try p.proj("repro")
        let lockBefore = p.read("lockfiles/train.lock")
        try p.write("fail", "")
        let r = try p.proj("repro", "-S", "train.depth=7")
        #expect(r.code == 1)
        #expect(r.err.contains("Stage 'train' failed: exit code 3; last lines of stderr:\n  | boom - bad depth"), "\(r.err)")
        #expect(r.err.contains("1 stage did not complete: train"))
        #expect(!r.out.contains("Running stage 'report'"))
        #expect(p.read("lockfiles/train.lock") == lockBefore)
        #expect(p.runs("report") == 1)
        // The previous out is recoverable from the cache.
        let c = try p.proj("checkout")
        #expect(c.code == 0, "\(c.err)")
        #expect(p.read("model.txt")?.contains("depth=6") == true)
    }

    @Test func missingDeclaredOutFails() throws {
        let p = try TempProject([
            "project.yaml": "stages:\n  s:\n    cmd: echo hi\n    outs: [never.txt]\n",
        ])
        let r = try p.proj("repro")
        #expect(r.code == 1)
        #expect(r.err.contains("Stage 's' failed: declared out 'never.txt' was not produced; nothing recorded"))
        #expect(!p.exists("lockfiles/s.lock"))
    }

    @Test func keepGoingRunsIndependentStages() throws {
        let p = try TempProject([
            "project.yaml": """
                stages:
                  bad: {cmd: exit 1, outs: [b.txt]}
                  good: {cmd: echo ok > g.txt, outs: [g.txt]}
                """,
        ])
        var r = try p.proj("repro")
        #expect(r.code == 1)
        #expect(!p.exists("g.txt"))
        r = try p.proj("repro", "--keep-going")
        #expect(r.code == 1)
        #expect(p.exists("g.txt") && p.exists("lockfiles/good.lock") && !p.exists("lockfiles/bad.lock"))
    }

    @Test func dryRunPlansWithReasonsAndRunsNothing() throws {
        let p = try TempProject(pipeline)
        let r = try p.proj("repro", "--dry")
        #expect(r.code == 0)
        #expect(r.out.contains("Would run stage 'prepare': no lock"))
        #expect(r.out.contains("Would run stage 'report': no lock"))
        #expect([p.runs("prepare"), p.runs("train")] as [Int] == [0, 0])
        #expect(!p.exists("lockfiles"))
    }

    @Test func targetsSingleItemAndDownstream() throws {
        let p = try TempProject(pipeline)
        var r = try p.proj("repro", "train")
        #expect(r.code == 0)
        #expect([p.runs("prepare"), p.runs("train"), p.runs("report")] as [Int] == [1, 1, 0])
        r = try p.proj("repro", "--force", "-s", "train")
        #expect([p.runs("prepare"), p.runs("train"), p.runs("report")] as [Int] == [1, 2, 0])
        r = try p.proj("repro", "--downstream", "train")
        #expect([p.runs("prepare"), p.runs("train"), p.runs("report")] as [Int] == [1, 2, 1])
        r = try p.proj("repro", "trian")
        #expect(r.code == 2)
        #expect(r.err == "Error: no stage named 'trian' in project.yaml (did you mean 'train'?)\n")
    }

    @Test func parallelJobsPrefixOutputAndOverlap() throws {
        let p = try TempProject([
            "project.yaml": """
                stages:
                  a: {cmd: "echo start-a; sleep 1; echo done > a.txt", outs: [a.txt]}
                  b: {cmd: "echo start-b; sleep 1; echo done > b.txt", outs: [b.txt]}
                """,
        ])
        let start = Date()
        let r = try p.proj("repro", "-j", "2")
        #expect(r.code == 0, "\(r.err)")
        #expect(Date().timeIntervalSince(start) < 1.9)
        #expect(r.out.contains("[a] start-a") && r.out.contains("[b] start-b"))
    }

    @Test func directoryOutsAreCachedAndCheckedOut() throws {
        let p = try TempProject([
            "project.yaml": "stages:\n  gen:\n    cmd: mkdir -p out/sub && echo 1 > out/a && echo 2 > out/sub/b\n    outs: [out]\n",
        ])
        #expect(try p.proj("repro").code == 0)
        #expect(p.read("lockfiles/gen.lock")?.contains("out: {files: 2") == true)
        try FileManager.default.removeItem(atPath: p.root + "/out")
        #expect(try p.proj("status").code == 1)
        let r = try p.proj("checkout")
        #expect(r.out == "restored out\n")
        #expect(p.read("out/sub/b") == "2\n")
        #expect(try p.proj("status").code == 0)
    }

    @Test func checkoutNamesUncachedOutsItCannotRestore() throws {
        let p = try TempProject([
            "project.yaml": "stages:\n  gen:\n    cmd: echo 1 > kept && echo 2 > timing\n    outs: [kept, {timing: {cache: false}}]\n",
        ])
        #expect(try p.proj("repro").code == 0)
        try p.write("timing", "3\n")
        try p.write("kept", "edited\n")
        let r = try p.proj("checkout")
        #expect(r.code == 0)
        #expect(r.out == "restored kept\ntiming differs from its lock but is not cached (cache: false): run `proj repro -s gen` to make it again\n")
        #expect(p.read("timing") == "3\n" && p.read("kept") == "1\n")
    }

    @Test func gcKeepsReferencedObjects() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        try FileManager.default.createDirectory(atPath: p.root + "/.proj/cache/ff", withIntermediateDirectories: true)
        try "junk".write(toFile: p.root + "/.proj/cache/ff/" + String(repeating: "0", count: 62), atomically: true, encoding: .utf8)
        let r = try p.proj("gc")
        #expect(r.out == "Removed 1 object (4 bytes).\n")
        try FileManager.default.removeItem(atPath: p.root + "/model.txt")
        #expect(try p.proj("checkout").code == 0)
        #expect(p.exists("model.txt"))
    }

    @Test func workspaceEditsCannotCorruptTheCache() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        let original = p.read("model.txt")
        try p.write("model.txt", "tampered\n")
        #expect(try p.proj("status").out.contains("train: out model.txt changed"))
        try p.proj("checkout")
        #expect(p.read("model.txt") == original)
    }
}
