@testable import Bundle
import Fingerprint
import Foundation
import Testing

/// Archives built to attack the extractor (by Python's tarfile, in the test setup).
@Suite struct HostileArchiveTests {
    static let expected: [String: String] = [
        "dotdot.tar": "../escape.txt: unsafe entry name: path escapes its directory ('..')",
        "zwj-dotdot.tar": "../\u{200D}escape.txt: listed in bundle.yaml with an unsafe name: path escapes its directory ('..')",
        "combining-dotdot.tar": "model/../../\u{0301}escape.txt: listed in bundle.yaml with an unsafe name: path escapes its directory ('..')",
        "file-and-directory.tar": "model: listed in bundle.yaml: listed both as a file and as the directory of 'model/m.bin'",
        "case-collision.tar": "model/m.bin: listed in bundle.yaml: differs from 'model/M.bin' only in case, Unicode normalisation or trailing dots and spaces; both would be written to one file on some file systems",
        "directory-case-collision.tar": "model/m.bin: listed in bundle.yaml: its directory 'model' differs from 'Model' only in case, Unicode normalisation or trailing dots and spaces",
        "control-name.tar": "model/\\e[2Jm.bin\\r: listed in bundle.yaml with an unsafe name: control character in the name",
        "pax-hides-unsafe-name.tar": "model/m.bin: its tar header names it '../escape.txt', which is unsafe: path escapes its directory ('..')",
        "pax-path-disagrees.tar": "model/m.bin: the pax header and the tar header disagree on the name ('model/other.bin')",
        "pax-size-disagrees.tar": "model/m.bin: the pax header says 12 bytes but the tar header says 524",
        "gzip-trailing-bytes.tar.gz": "bytes after the end of the gzip stream (trailing data, a second member or a skippable frame); a bundle holds one stream",
        "gzip-truncated.tar.gz": "truncated archive: the gzip stream is cut short",
        "gzip-bad-crc.tar.gz": "the gzip stream is damaged: incorrect data check",
        "gzip-second-member.tar.gz": "bytes after the end of the gzip stream (trailing data, a second member or a skippable frame); a bundle holds one stream",
        "absolute.tar": "/absolute.txt: unsafe entry name: absolute path",
        "symlink-out.tar": "model/m.bin: symbolic link entries are not allowed in a bundle (only regular files)",
        "symlink-then-write.tar": "model: symbolic link entries are not allowed in a bundle (only regular files)",
        "hardlink.tar": "model/m.bin: hard link entries are not allowed in a bundle (only regular files)",
        "hardlink-each-other.tar": "model/a: entry is not listed in bundle.yaml",
        "chardev.tar": "model/m.bin: character device entries are not allowed in a bundle (only regular files)",
        "fifo.tar": "model/m.bin: fifo entries are not allowed in a bundle (only regular files)",
        "directory.tar": "model/: directory entries are not allowed in a bundle (only regular files)",
        "duplicate.tar": "model/m.bin: duplicate entry",
        "unlisted.tar": "zzz-extra.sh: entry is not listed in bundle.yaml",
        "bigger-than-listed.tar": "model/m.bin: entry is 34 bytes but bundle.yaml lists 12",
        "missing-entry.tar": "model/m.bin: listed in bundle.yaml but missing from the archive",
        "wrong-digest.tar": "model/m.bin: sha256 mismatch",
        "not-utf8.tar": "model/\\xff\\xfe.bin: entry name is not valid UTF-8",
        "gnu-longname.tar": "GNU long name entries are not allowed in a bundle",
        "manifest-lists-escape.tar": "../up: listed in bundle.yaml with an unsafe name: path escapes its directory ('..')",
        "no-manifest.tar": "model/m.bin: the first entry of a bundle must be bundle.yaml",
        "truncated.tar": "model/m.bin: truncated archive: data ends after 1512 of 5000 bytes",
        "bomb-declared.tar.gz": "bundle.yaml: the bundle declares 2147483648 bytes of files, above the limit of 1048576",
        "bomb-manifest.tar.gz": "bundle.yaml: entry of 1073741824 bytes exceeds the archive's size limit",
        "bomb-trailer.tar.gz": "bytes after the end-of-archive marker",
        "garbage.tar": "header checksum mismatch at offset 0",
        "empty.tar": "is empty: not a bundle",
    ]

    @Test func everyHostileArchiveIsRefusedAndNothingIsWritten() throws {
        let corpus = try temporaryDirectory("corpus")
        let outside = try temporaryDirectory("outside")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/hostile.py").path
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", script, corpus, outside]
        try python.run()
        python.waitUntilExit()
        try #require(python.terminationStatus == 0, "the corpus script failed")
        let cases = try FileManager.default.contentsOfDirectory(atPath: corpus).sorted()
        #expect(Set(cases) == Set(Self.expected.keys))

        for name in cases {
            let sandbox = try temporaryDirectory("sandbox")
            let target = sandbox + "/out"
            let options = VerifyOptions(maxSize: 1 << 20)
            let report = Extractor.extract(corpus + "/" + name, to: target, options: options)
            let message = report.failure?.description ?? "extracted!"
            #expect(message.contains(Self.expected[name]!), "\(name): \(message)")
            #expect(listing(sandbox).isEmpty, "\(name) left \(listing(sandbox)) behind")
            #expect(listing(outside).isEmpty, "\(name) wrote \(listing(outside)) outside the target")
            #expect(!FileManager.default.fileExists(atPath: sandbox + "/escape.txt"))
            // The same archive fails verification with the same message.
            #expect(Verifier.verify(corpus + "/" + name, options: options).failure?.description == report.failure?.description)
        }
    }

    @Test func aZstdBombIsRefusedBeforeItExpands() throws {
        let dir = try temporaryDirectory("zstd-bomb")
        let path = dir + "/bomb.tar.zst"
        let zeros = [UInt8](repeating: 0, count: 64 << 20)
        var manifest = Manifest(format: 1, name: "bomb", version: "1.0.0", flavor: "linear", entry: "model/m.bin",
                                schema: .null, metrics: .map([]), params: .map([]), provenance: .map([]), files: [:])
        manifest.files["model/m.bin"] = Manifest.File(sha256: Hex.sha256(zeros), size: Int64(zeros.count), executable: false)
        let writer = try TarWriter(path: path, zstd: true, mtime: 0)
        try writer.add(name: Manifest.entryName, bytes: manifest.document)
        try writer.add(name: "model/m.bin", bytes: zeros)
        try writer.close()
        let compressed = try #require(FileSystem.stat(path)).size
        #expect(compressed < 64 << 10, "not much of a bomb: \(compressed) bytes")
        let sandbox = try temporaryDirectory("zstd-bomb-out")
        let report = Extractor.extract(path, to: sandbox + "/out", options: VerifyOptions(maxSize: 1 << 20))
        #expect(report.failure?.description == "bundle.yaml: the bundle declares 67108864 bytes of files, above the limit of 1048576 (raise it with --max-size)")
        #expect(listing(sandbox).isEmpty)
    }

    @Test func extractionWritesOnlyIntoANewDirectory() throws {
        let dir = try temporaryDirectory("extract")
        let bundle = dir + "/demo.tar"
        let manifest = try makeBundle(at: bundle)
        let target = dir + "/unpacked"
        var report = Extractor.extract(bundle, to: target, options: VerifyOptions())
        #expect(report.ok)
        #expect(listing(target) == ["metrics.json", "model", "model/weights.bin", "schema.yaml", "selftest.json"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: target + "/schema.yaml")) == Data(schemaText.utf8))
        #expect(manifest.files.count == 4)

        report = Extractor.extract(bundle, to: target, options: VerifyOptions())
        #expect(report.failure?.description == "\(target) already exists and is not an empty directory; extract into a new one")
        #expect(listing(dir).filter { $0.hasPrefix(".") }.isEmpty)
    }

    /// A zstd bundle holds one frame: a skippable frame or a second frame after it is refused; the frame alone verifies.
    @Test func aZstdBundleHoldsOneFrame() throws {
        let dir = try temporaryDirectory("zstd-frames")
        let good = dir + "/good.tar.zst"
        _ = try makeBundle(at: good, zstd: true)
        #expect(Verifier.verify(good, options: VerifyOptions()).ok)
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: good)))
        let skippable: [UInt8] = [0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]
        let message = "bytes after the end of the zstd stream (trailing data, a second frame or a skippable frame); a bundle holds one stream"
        for (name, tail) in [("skippable", skippable), ("second-frame", bytes), ("trailing", Array("junk".utf8))] {
            let path = dir + "/\(name).tar.zst"
            try Data(bytes + tail).write(to: URL(fileURLWithPath: path))
            #expect(Verifier.verify(path, options: VerifyOptions()).failure?.description == message, "\(name)")
            let sandbox = try temporaryDirectory("zstd-\(name)")
            #expect(Extractor.extract(path, to: sandbox + "/out", options: VerifyOptions()).failure?.description == message)
            #expect(listing(sandbox).isEmpty)
        }
        let cut = dir + "/cut.tar.zst"
        try Data(bytes.dropLast(9)).write(to: URL(fileURLWithPath: cut))
        #expect(Verifier.verify(cut, options: VerifyOptions()).failure?.description == "truncated archive: the zstd stream is cut short")
    }

    /// A manifest that nests 100,000 flow sequences, or expands aliases, is refused by name without a crash.
    @Test func hostileManifestYAMLIsRefused() throws {
        let dir = try temporaryDirectory("manifest-yaml")
        func bundle(_ name: String, body: String) throws -> String {
            let text = body + "manifest_sha256: " + Hex.sha256(Array(body.utf8)) + "\n"
            let path = dir + "/" + name
            let writer = try TarWriter(path: path, zstd: false, mtime: 0)
            try writer.add(name: Manifest.entryName, bytes: Array(text.utf8))
            try writer.close()
            return path
        }
        let deep = try bundle("deep.tar", body: "format: 1\nschema: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n")
        #expect(Verifier.verify(deep, options: VerifyOptions()).failure?.description == "bundle.yaml: bundle.yaml:2:72: nested deeper than 64 levels")
        let laughs = try bundle("laughs.tar", body: "format: 1\na: &a [x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a]\n")
        #expect(Verifier.verify(laughs, options: VerifyOptions()).failure?.description == "bundle.yaml: bundle.yaml:3:5: aliases (*a) are not allowed in this file")
    }

    /// proj's own writer puts long and non-ASCII names in pax records: they agree with their tar headers.
    @Test func longAndNonASCIINamesOfOurOwnWriterVerify() throws {
        let dir = try temporaryDirectory("names")
        let long = "extra/" + String(repeating: "d", count: 90) + "/" + String(repeating: "n", count: 120) + ".txt"
        for (i, name) in ["extra/caf\u{E9}-\u{6A21}\u{578B}.txt", long, "extra/" + String(repeating: "x", count: 99)].enumerated() {
            let path = dir + "/b\(i).tar"
            _ = try makeBundle(at: path, extra: [name: Array("hello".utf8)])
            let report = Verifier.verify(path, options: VerifyOptions())
            #expect(report.ok, "\(name): \(report.failure?.description ?? "")")
            let out = dir + "/out\(i)"
            #expect(Extractor.extract(path, to: out, options: VerifyOptions()).ok)
            #expect(FileManager.default.fileExists(atPath: out + "/" + name))
        }
    }

    /// A staging directory left by a killed extract is removed by the next extract beside it; the new one is
    /// made by mkdtemp (its name unpredictable), and a symlink as the target is refused.
    @Test func extractionCleansUpAfterAKilledExtractAndRefusesASymlinkTarget() throws {
        let dir = try temporaryDirectory("staging")
        let bundle = dir + "/demo.tar"
        _ = try makeBundle(at: bundle)
        let done = Process()
        done.executableURL = URL(fileURLWithPath: "/bin/true")
        try done.run()
        done.waitUntilExit()
        let dead = done.processIdentifier
        let left = dir + "/.out.proj-tmp-\(dead)-AbC123"
        try FileManager.default.createDirectory(atPath: left + "/model", withIntermediateDirectories: true)
        #expect(Extractor.extract(bundle, to: dir + "/out", options: VerifyOptions()).ok)
        #expect(!FileManager.default.fileExists(atPath: left))
        #expect(listing(dir).filter { $0.hasPrefix(".") }.isEmpty)

        try FileManager.default.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: dir + "/elsewhere")
        let report = Extractor.extract(bundle, to: dir + "/link", options: VerifyOptions())
        #expect(report.failure?.description == "\(dir)/link is a symbolic link; extract into a new directory")
        #expect(listing(dir + "/elsewhere").isEmpty)
    }
}
