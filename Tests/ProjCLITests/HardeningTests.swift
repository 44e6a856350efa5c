import Foundation
import Testing

/// Whether `path` is a directory (following symlinks).
func isDirectory(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
}

/// Corrupted caches, abandoned temporary files, output that cannot be written, usage errors.
@Suite(.serialized) struct HardeningTests {
    /// The cache object of `out` as the lock records it.
    func object(_ p: TempProject, stage: String, out: String) throws -> (sha: String, path: String) {
        let lock = try #require(p.read("lockfiles/\(stage).lock"))
        let line = try #require(lock.split(separator: "\n").first { $0.contains(out + ":") })
        let sha = String(try #require(line.range(of: "sha256: ").map { line[$0.upperBound...].prefix(64) }))
        return (sha, p.root + "/.proj/cache/" + sha.prefix(2) + "/" + sha.dropFirst(2))
    }

    /// Flips one byte of a (read-only) cache object, keeping its size.
    func flip(_ path: String) throws {
        chmod(path, 0o644)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[0] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func aCorruptObjectIsRefusedByCheckoutAndMovedAside() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        let (sha, path) = try object(p, stage: "train", out: "model.txt")
        try flip(path)
        try p.write("model.txt", "edited\n")
        let r = try p.proj("checkout")
        #expect(r.code == 1)
        let corrupt = try #require(try FileManager.default.contentsOfDirectory(atPath: p.root + "/.proj/cache/corrupt").first)
        #expect(r.err == "Error: cannot restore 'model.txt': cache object '\(path)' is corrupt: its content hashes to \(try sha256(p.root + "/.proj/cache/corrupt/" + corrupt)), not \(sha); moved aside to '\(p.root)/.proj/cache/corrupt/\(corrupt)'; run 'proj repro' to rebuild it\n")
        #expect(p.read("model.txt") == "edited\n", "the workspace file was replaced")
        #expect(!FileManager.default.fileExists(atPath: path))
        // repro makes it again and stores a good object.
        #expect(try p.proj("repro").code == 0)
        #expect(try sha256(path) == sha)
        #expect(try p.proj("checkout").out == "All outs already match their locks.\n")
    }

    @Test func aCorruptRunCacheObjectMakesReproRunTheStage() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        try p.proj("repro", "-S", "train.depth=8")
        #expect(p.runs("train") == 2)
        // Back to depth 6: the run-cache holds that run, but its model.txt object is damaged.
        let (sha, path) = try object(p, stage: "train", out: "model.txt")
        _ = sha
        try p.proj("repro", "-S", "train.depth=6")
        #expect(p.runs("train") == 2, "restored from the run-cache")
        let (sha6, path6) = try object(p, stage: "train", out: "model.txt")
        try p.proj("repro", "-S", "train.depth=8")
        try flip(path6)
        let r = try p.proj("repro", "-S", "train.depth=6")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("Stage 'train': not restored from run-cache: 'model.txt' cache object '\(path6)' is corrupt"), "\(r.err)")
        #expect(p.runs("train") == 3, "the stage ran instead")
        #expect(try sha256(p.root + "/model.txt") == sha6)
        #expect(try sha256(path6) == sha6, "running the stage stored a good object again")
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func aCacheObjectThatCannotBeReadMakesReproRunTheStage() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        try p.proj("repro", "-S", "train.depth=8")
        try p.proj("repro", "-S", "train.depth=6")
        let (_, path6) = try object(p, stage: "train", out: "model.txt")
        try p.proj("repro", "-S", "train.depth=8")
        // The object of depth 6's model.txt becomes a directory of the same name.
        try FileManager.default.removeItem(atPath: path6)
        try FileManager.default.createDirectory(atPath: path6, withIntermediateDirectories: false)
        let r = try p.proj("repro", "-S", "train.depth=6")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Running stage 'train'"), "\(r.out)")
        #expect(p.runs("train") == 3, "not in the cache as a file: the stage runs")
        #expect(!isDirectory(path6), "storing replaced the directory with the object")
    }

    @Test func storingReplacesADamagedObjectOfTheRightSize() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        let (sha, path) = try object(p, stage: "train", out: "model.txt")
        try flip(path)
        #expect(try p.proj("repro", "-f", "-s", "train").code == 0)
        #expect(try sha256(path) == sha)
    }

    @Test func aDamagedLockIsNamedNotSkipped() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        try Data([0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: p.root + "/lockfiles/train.lock"))
        try p.write("model.txt", "edited\n")
        var r = try p.proj("checkout")
        #expect(r.code == 2)
        #expect(r.err == "Error: lockfiles/train.lock: is not UTF-8 text (damaged?); `proj repro` records it again\n")
        r = try p.proj("repro")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Stage 'train' restored from run-cache (lock unreadable (lockfiles/train.lock: is not UTF-8 text (damaged?)"), "\(r.out)")
        #expect(try p.proj("checkout").out == "All outs already match their locks.\n")
    }

    @Test func cacheVerifyFindsAndRepairsDamage() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        var r = try p.proj("cache", "verify")
        #expect(r.code == 0)
        #expect(r.out == "Checked 3 objects: all match their digests.\n")
        let (sha, path) = try object(p, stage: "train", out: "model.txt")
        try flip(path)
        let bad = try sha256(path)
        r = try p.proj("cache", "verify")
        #expect(r.code == 1)
        #expect(r.out == "corrupt: \(sha): its content hashes to \(bad)\n")
        #expect(r.err == "Error: 1 of 3 cache objects are damaged; run `proj cache verify --repair`\n")
        r = try p.proj("cache", "verify", "--repair")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out == "corrupt: \(sha): its content hashes to \(bad)\nrepaired: \(sha) (stored again from the workspace)\nChecked 3 objects: 1 damaged, 1 repaired, 0 moved aside.\n")
        #expect(try sha256(path) == sha)
        #expect(try p.proj("cache", "verify").code == 0)
    }

    @Test func temporaryFilesOfAKilledProcessAreRemovedByTheNextLockHolder() throws {
        let p = try TempProject(pipeline)
        try p.proj("repro")
        // A repro killed with SIGKILL while a stage runs leaves the lock naming it.
        try p.write("project.yaml", (p.read("project.yaml") ?? "") + "\n  slow:\n    cmd: echo $$ > slow.pid; exec sleep 30\n    deps: [report.txt]\n    outs: [slow.txt]\n")
        let running = try p.start(["repro", "-s", "slow"])
        #expect(eventually(10) { p.read(".proj/lock")?.hasPrefix("\(running.process.processIdentifier)") ?? false })
        #expect(eventually(10) { p.read("slow.pid")?.hasSuffix("\n") ?? false })
        kill(running.process.processIdentifier, SIGKILL)
        running.process.waitUntilExit()
        // The stage outlives a SIGKILLed proj (nothing can forward that signal): this test stops it.
        if let stage = Int32((p.read("slow.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) { kill(stage, SIGKILL) }
        let dead = running.process.processIdentifier
        // What such a process leaves: a complete bundle under a hidden name, a half-copied cache object, a restore's staging.
        let abandoned = ["bundles/.demo-1.0.0.tar.proj-tmp-\(dead)-x1", ".proj/cache/ab/.cdef.proj-tmp-\(dead)-x2", "data/.prepared.txt.proj-tmp-\(dead)-x3/part"]
        for path in abandoned { try p.write(path, "left behind\n") }
        let alive = "data/.other.proj-tmp-\(getpid())-x4"
        try p.write(alive, "still being written\n")
        let r = try p.proj("checkout")
        #expect(r.code == 0, "\(r.err)")
        for path in abandoned { #expect(!p.exists(path), "\(path) was left") }
        #expect(!p.exists("data/.prepared.txt.proj-tmp-\(dead)-x3"))
        #expect(p.exists(alive), "a temporary file whose owner runs was removed")
        #expect(p.read(".proj/lock") == "", "a clean release empties the lock file")
        // After a clean run nothing is scanned or removed.
        try p.write("data/.x.proj-tmp-\(dead)-x5", "y")
        try p.proj("checkout")
        #expect(p.exists("data/.x.proj-tmp-\(dead)-x5"))
    }

    @Test func outputThatCannotBeWrittenEndsWithAMessageAndExitOne() throws {
        let p = try TempProject(pipeline)
        for args in [["repro"], ["status"], ["checkout"], ["dag"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: projBinary)
            process.arguments = args
            process.currentDirectoryURL = URL(fileURLWithPath: p.root)
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
            let err = Pipe()
            process.standardError = err
            try process.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 1, "\(args): \(process.terminationStatus) \(text)")
            #expect(text.hasSuffix("Error: cannot write to standard output: no space left on device\n"), "\(args): \(text)")
        }
        // A closed pipe (the reader is gone, as after `| head -c1`): EPIPE, not a crash.
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: projBinary)
        process.arguments = ["status"]
        process.currentDirectoryURL = URL(fileURLWithPath: p.root)
        process.standardOutput = pipe
        let err = Pipe()
        process.standardError = err
        try process.run()
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 1)
        #expect(text == "Error: cannot write to standard output: broken pipe\n")
    }

    @Test func fileErrorsNameThePathAndTheErrnoMeaning() throws {
        let p = try TempProject([
            "project.yaml": "stages:\n  a:\n    cmd: echo hi > blocker/out.txt\n    outs: [blocker/out.txt]\n",
            "blocker": "a file where a directory should be\n",
        ])
        let r = try p.proj("repro")
        #expect(r.code == 1)
        #expect(r.err.contains("Stage 'a' failed: cannot write '\(p.root)/blocker': it exists and is not a directory"), "\(r.err)")
        #expect(!r.err.contains("Domain") && !r.err.contains("Write error"), "\(r.err)")
        #expect(!p.exists("lockfiles/a.lock"))
    }

    @Test func usageErrorsExitTwo() throws {
        let p = try TempProject(pipeline)
        var r = try p.proj("repro", "--bogus")
        #expect(r.code == 2)
        #expect(r.err.hasPrefix("Error: Unknown option '--bogus'\nUsage: proj repro"))
        r = try p.proj("nosuchcommand")
        #expect(r.code == 2)
        r = try p.proj("repro", "-j", "x")
        #expect(r.code == 2)
        r = try p.proj("--help")
        #expect(r.code == 0)
        #expect(r.out.hasPrefix("OVERVIEW: "))
    }
}
