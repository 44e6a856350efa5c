@testable import Fingerprint
import Foundation
import Testing

@Suite struct OutputFileTests {
    func directory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proj-out-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aFileIsReplacedOnlyWhenCommitted() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "old\n".write(toFile: dir + "/out.csv", atomically: false, encoding: .utf8)
        do {
            let abandoned = try OutputFile(dir + "/out.csv")
            try abandoned.write(Array("half".utf8)[...])
        }
        #expect(try String(contentsOfFile: dir + "/out.csv", encoding: .utf8) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.csv"], "no temporary file is left")

        let file = try OutputFile(dir + "/out.csv")
        try file.write(Array("new\n".utf8)[...])
        #expect(try String(contentsOfFile: dir + "/out.csv", encoding: .utf8) == "old\n", "readers see the old file until the commit")
        try file.commit()
        #expect(try String(contentsOfFile: dir + "/out.csv", encoding: .utf8) == "new\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.csv"])
    }

    @Test func aPipeIsWrittenInPlaceNotReplaced() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pipe = dir + "/out.fifo"
        #expect(mkfifo(pipe, 0o600) == 0)
        let reader = open(pipe, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        let file = try OutputFile(pipe)
        try file.write(Array("row 1\n".utf8)[...])
        try file.commit()
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(reader, &buffer, buffer.count)
        #expect(n == 6 && String(decoding: buffer[..<6], as: UTF8.self) == "row 1\n")
        #expect(FileSystem.stat(pipe)?.kind == .other, "still a pipe")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.fifo"])
    }

    @Test func aLinkToAFileIsFollowedAndStays() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "old\n".write(toFile: dir + "/target.csv", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.csv", withDestinationPath: dir + "/target.csv")
        let file = try OutputFile(dir + "/link.csv")
        try file.write(Array("new\n".utf8)[...])
        try file.commit()
        #expect(try String(contentsOfFile: dir + "/target.csv", encoding: .utf8) == "new\n")
        #expect(FileSystem.isSymlink(dir + "/link.csv"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["link.csv", "target.csv"])
    }

    /// A run killed before its end leaves its temporary file beside the target (the file a link leads to);
    /// the next one removes it, and keeps one whose owner still runs.
    @Test func temporariesOfAKilledRunBesideTheTargetAreRemoved() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "old\n".write(toFile: dir + "/target.csv", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.csv", withDestinationPath: dir + "/target.csv")
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let stale = ".target.csv.proj-tmp-\(ended.processIdentifier)-abc", live = ".target.csv.proj-tmp-\(getpid())-abc"
        for name in [stale, live] { try "half".write(toFile: dir + "/" + name, atomically: false, encoding: .utf8) }
        let file = try OutputFile(dir + "/link.csv")
        try file.write(Array("new\n".utf8)[...])
        try file.commit()
        #expect(try String(contentsOfFile: dir + "/target.csv", encoding: .utf8) == "new\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == [live, "link.csv", "target.csv"])
    }

    @Test func aDirectoryIsRefusedBeforeAnythingIsWritten() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: false)
        #expect(throws: FingerprintError.unwritable(path: dir + "/out", reason: "it is a directory")) { _ = try OutputFile(dir + "/out") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out"], "no temporary file is left")
    }

    @Test func aMissingDirectoryIsNamedInTheError() throws {
        #expect(throws: FingerprintError.unwritable(path: "/nonexistent-proj-dir/out.csv", reason: "no such file or directory")) {
            _ = try OutputFile("/nonexistent-proj-dir/out.csv")
        }
    }
}
