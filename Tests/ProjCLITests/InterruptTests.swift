import Foundation
import Testing

@Suite(.serialized) struct InterruptTests {
    @Test func sigtermStopsTheStageProcessGroupAndRecordsNothing() throws {
        let p = try TempProject([
            "project.yaml": """
                stages:
                  slow:
                    cmd: (sleep 300 & echo $! > child.pid; wait) ; echo done > out.txt
                    outs: [out.txt]
                """,
        ])
        let running = try p.start(["repro"])
        #expect(eventually { p.read("child.pid")?.hasSuffix("\n") == true })
        let child = try #require(Int32(p.read("child.pid")!.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(child, 0) == 0)
        kill(running.process.processIdentifier, SIGTERM)
        running.process.waitUntilExit()
        #expect(running.process.terminationStatus == 130)
        #expect(running.errors().contains("Stage 'slow' interrupted; nothing recorded"))
        #expect(eventually(5) { kill(child, 0) != 0 }, "the stage's background child survived")
        #expect(!p.exists("lockfiles/slow.lock"))
        #expect(!p.exists("out.txt"))
    }

    @Test func secondReproWaitsThenFailsClearly() throws {
        let p = try TempProject([
            "project.yaml": "stages:\n  slow:\n    cmd: sleep 3; echo x >> runs/slow; echo done > out.txt\n    outs: [out.txt]\n",
            "runs/.keep": "",
        ])
        let first = try p.start(["repro"])
        #expect(eventually { p.exists(".proj/lock") && (p.read(".proj/lock") ?? "").contains("\(first.process.processIdentifier)") })
        let second = try p.proj("repro", "--wait", "1")
        #expect(second.code == 1)
        #expect(second.err.contains("waiting for another proj process (pid \(first.process.processIdentifier)) to finish in this project (up to 1 s)..."))
        #expect(second.err.contains("Error: another proj process (pid \(first.process.processIdentifier)) is working in this project; waited 1 s for it."))
        // A third one with enough patience waits and then finds everything fresh.
        let third = try p.proj("repro", "--wait", "30")
        first.process.waitUntilExit()
        #expect(first.process.terminationStatus == 0)
        #expect(third.code == 0, "\(third.err)")
        #expect(p.runs("slow") == 1)
    }
}
