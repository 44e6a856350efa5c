import Foundation
import Testing
@testable import Fingerprint

func tempDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proj-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Sets a file's mtime `seconds` into the past, outside the stat cache's racy window.
func age(_ path: String, seconds: Double = 10) throws {
    try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-seconds)], ofItemAtPath: path)
}

@Suite struct FingerprinterTests {
    @Test func fileDigestMatchesKnownSHA256() throws {
        let dir = try tempDirectory()
        try "abc".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        let f = Fingerprinter(root: dir, cache: StatCache(path: nil))
        let d = try #require(try f.digest("a.txt"))
        #expect(d.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(d.size == 3)
        #expect(try f.digest("missing.txt") == nil)
    }

    @Test func largeFileStreamsThroughManyBuffers() throws {
        let dir = try tempDirectory()
        let data = Data((0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try data.write(to: URL(fileURLWithPath: dir + "/big.bin"))
        let f = Fingerprinter(root: dir, cache: StatCache(path: nil))
        #expect(try f.digest("big.bin")?.sha256 == Hex.sha256(data))
    }

    @Test func directoryDigestIsASortedManifest() throws {
        let dir = try tempDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/d/sub", withIntermediateDirectories: true)
        try "1".write(toFile: dir + "/d/b.txt", atomically: true, encoding: .utf8)
        try "2".write(toFile: dir + "/d/sub/a.txt", atomically: true, encoding: .utf8)
        try "3".write(toFile: dir + "/d/a.txt", atomically: true, encoding: .utf8)
        let f = Fingerprinter(root: dir, cache: StatCache(path: nil))
        let manifest = try f.manifest("d")
        #expect(manifest.map(\.path) == ["a.txt", "b.txt", "sub/a.txt"])
        let d = try #require(try f.digest("d"))
        #expect(d.files == 3 && d.size == 3)
        #expect(d.sha256 == Hex.sha256(Data(Fingerprinter.manifestText(manifest).utf8)))
        try "4".write(toFile: dir + "/d/sub/new.txt", atomically: true, encoding: .utf8)
        #expect(try f.digest("d")?.sha256 != d.sha256)
    }

    @Test func statCacheAvoidsRereadingUnchangedFiles() throws {
        let dir = try tempDirectory()
        try "hello".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        try age(dir + "/a.txt")
        let state = dir + "/state"
        let first = Fingerprinter(root: dir, cache: StatCache(path: state))
        let sha = try first.digest("a.txt")?.sha256
        #expect(first.bytesRead.files == 1)
        try first.cache.save()

        let second = Fingerprinter(root: dir, cache: StatCache(path: state))
        #expect(try second.digest("a.txt")?.sha256 == sha)
        #expect(second.bytesRead.files == 0 && second.bytesRead.bytes == 0)

        // Touched without a content change: re-hashed once, same digest, then remembered again.
        try age(dir + "/a.txt", seconds: 5)
        let third = Fingerprinter(root: dir, cache: StatCache(path: state))
        #expect(try third.digest("a.txt")?.sha256 == sha)
        #expect(third.bytesRead.files == 1)
    }

    @Test func recentlyModifiedFilesAreNotRemembered() throws {
        let dir = try tempDirectory()
        try "new".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        let cache = StatCache(path: nil)
        _ = try Fingerprinter(root: dir, cache: cache).digest("a.txt")
        #expect(cache.count == 0)
    }

    @Test func atomicWriteReplacesWholeFile() throws {
        let dir = try tempDirectory()
        try AtomicFile.write("one\n", to: dir + "/sub/x.lock")
        try AtomicFile.write("two\n", to: dir + "/sub/x.lock")
        #expect(try String(contentsOfFile: dir + "/sub/x.lock", encoding: .utf8) == "two\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/sub") == ["x.lock"])
    }
}
