import Foundation
import Testing
@testable import Fingerprint

@Suite struct TemporaryPathTests {
    @Test func namesCarryTheirOwner() {
        let temp = TemporaryPath.beside("/x/data/model.bin")
        #expect(temp.hasPrefix("/x/data/.model.bin.proj-tmp-\(getpid())-"))
        #expect(TemporaryPath.owner(of: TemporaryPath.split(temp).1) == getpid())
        #expect(TemporaryPath.beside("/x/a") != TemporaryPath.beside("/x/a"), "names are unpredictable")
        #expect(TemporaryPath.owner(of: ".a.proj-tmp-123-x") == 123)
        #expect(TemporaryPath.owner(of: "a.proj-tmp-123-x") == nil, "not hidden: a user's file")
        #expect(TemporaryPath.owner(of: ".a.proj-tmp-123x") == nil)
        #expect(TemporaryPath.owner(of: ".a.proj-tmp--x") == nil)
        #expect(TemporaryPath.owner(of: ".plain") == nil)
    }

    @Test func exclusiveCreationNeverFollowsASymlink() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proj-tmp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "secret".write(toFile: dir + "/victim", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/planted", withDestinationPath: dir + "/victim")
        #expect(throws: FingerprintError.self) { _ = try FileSystem.createExclusive(dir + "/planted") }
        // A write whose target is a symlink replaces the link, not what it points at.
        try AtomicFile.write("new", to: dir + "/planted")
        #expect(try String(contentsOfFile: dir + "/victim", encoding: .utf8) == "secret")
        #expect(!FileSystem.isSymlink(dir + "/planted"))
    }

    @Test func foundationErrorsAreNamedByPathAndErrno() {
        let full = NSError(domain: NSCocoaErrorDomain, code: 512, userInfo: [
            NSFilePathErrorKey: "/d/out.csv", NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC)),
        ])
        #expect(FileSystem.describe(full) == "'/d/out.csv': no space left on device")
        #expect(FileSystem.describe(CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "/nope"])) == "'/nope': no such file or directory")
        #expect(FileSystem.describe(FingerprintError.unreadable(path: "a", reason: "b")) == "cannot read 'a': b")
    }
}
