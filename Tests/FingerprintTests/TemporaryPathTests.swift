@testable import Fingerprint
import Foundation
import Testing

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
        #expect(FileSystem.reason(of: full) == "no space left on device", "for a message that names the path itself")
        #expect(FileSystem.describe(CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "/nope"])) == "'/nope': no such file or directory")
        #expect(FileSystem.describe(FingerprintError.unreadable(path: "a", reason: "b")) == "cannot read 'a': b")
    }
}

@Suite struct ProcessorsTests {
    @Test func cpuListsAndQuotas() throws {
        #expect(Processors.count(list: "\t0-1") == 2)
        #expect(Processors.count(list: "0-3,8,10-11") == 7)
        #expect(Processors.count(list: "3-1") == nil)
        #expect(Processors.count(list: "x") == nil)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("proj-cgroup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/cpu", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(Processors.quota(root: root) == nil)
        try "150000 100000\n".write(toFile: root + "/cpu.max", atomically: true, encoding: .utf8)
        #expect(Processors.quota(root: root) == 2, "1.5 CPUs round up")
        try "max 100000\n".write(toFile: root + "/cpu.max", atomically: true, encoding: .utf8)
        #expect(Processors.quota(root: root) == nil)
        try FileManager.default.removeItem(atPath: root + "/cpu.max")
        try "-1\n".write(toFile: root + "/cpu/cpu.cfs_quota_us", atomically: true, encoding: .utf8)
        try "100000\n".write(toFile: root + "/cpu/cpu.cfs_period_us", atomically: true, encoding: .utf8)
        #expect(Processors.quota(root: root) == nil)
        try "300000\n".write(toFile: root + "/cpu/cpu.cfs_quota_us", atomically: true, encoding: .utf8)
        #expect(Processors.quota(root: root) == 3)
        #expect(Processors.available >= 1 && Processors.available <= ProcessInfo.processInfo.activeProcessorCount)
    }
}
