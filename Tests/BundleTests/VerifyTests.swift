@testable import Bundle
import Foundation
import Tabular
import Testing
import YAML

@Suite struct VerifyTests {
    @Test func aWellFormedBundleVerifiesAndEveryCheckIsReported() throws {
        let dir = try temporaryDirectory("ok")
        let path = dir + "/demo.tar"
        // Names that need pax headers: longer than 100 bytes, and not ASCII.
        try makeBundle(at: path, extra: ["extra/" + String(repeating: "d", count: 120) + "/notes.txt": Array("long\n".utf8),
                                         "extra/données-é.txt": Array("utf8\n".utf8)])
        let report = Verifier.verify(path, options: VerifyOptions())
        #expect(report.ok, "\(report.failure?.description ?? "")")
        #expect(report.checks.map(\.name) == ["format", "files", "signature", "schema", "selftest"])
        #expect(report.checks.map(\.outcome) == [.passed, .passed, .skipped, .passed, .passed])
        #expect(report.checks[1].detail.hasPrefix("6 files"))
        #expect(report.checks[4].detail.contains("no loader for flavor 'linear'"))
    }

    @Test func aByteFlippedAnywhereFailsVerificationAndNamesWhatBroke() throws {
        let dir = try temporaryDirectory("flip")
        let path = dir + "/demo.tar"
        let signer = newKey("alice")
        try makeBundle(at: path, signer: signer)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let options = VerifyOptions(trusted: [signer.1])
        #expect(Verifier.verify(path, options: options).ok)
        // Every 37th byte, then the last: headers, manifest, signature, data, padding, end blocks.
        var offsets = Array(stride(from: 0, to: original.count, by: 37))
        offsets.append(original.count - 1)
        var failures = 0
        for offset in offsets {
            var bytes = original
            bytes[offset] ^= 0x20
            let flipped = dir + "/flipped.tar"
            try Data(bytes).write(to: URL(fileURLWithPath: flipped))
            let report = Verifier.verify(flipped, options: options)
            #expect(!report.ok, "a flip at offset \(offset) went unnoticed: \(String(decoding: original[(offset - offset % 512)..<(offset - offset % 512 + 512)].map { $0 == 0 ? 46 : $0 }, as: UTF8.self))")
            if let failure = report.failure {
                failures += 1
                #expect(!failure.description.isEmpty)
                #expect(report.checks.contains { $0.outcome == .failed })
            }
        }
        #expect(failures == offsets.count)
        #expect(offsets.count > 200)
    }

    @Test func flipsInsideEntriesNameTheEntry() throws {
        let dir = try temporaryDirectory("name")
        let path = dir + "/demo.tar"
        try makeBundle(at: path)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // The model's data begins after its 512-byte header; find it by its content.
        let marker = Array(repeating: UInt8(7), count: 64)
        let start = try #require((0..<original.count - 64).first { Array(original[$0..<$0 + 64]) == marker })
        var bytes = original
        bytes[start + 100] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let report = Verifier.verify(path, options: VerifyOptions())
        #expect(report.failure?.description.hasPrefix("model/weights.bin: sha256 mismatch") == true)
        #expect(report.checks.first { $0.outcome == .failed }?.name == "files")

        // In bundle.yaml: the manifest's own checksum catches it, signed or not.
        let body = try #require((0..<original.count - 6).first { Array(original[$0..<$0 + 6]) == Array("name: ".utf8) })
        bytes = original
        bytes[body + 7] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let second = Verifier.verify(path, options: VerifyOptions())
        #expect(second.failure?.description.hasPrefix("bundle.yaml: its checksum does not match its content") == true)
    }

    @Test func zstdBundlesVerifyAndCatchFlips() throws {
        let dir = try temporaryDirectory("zstd")
        let path = dir + "/demo.tar.zst"
        try makeBundle(at: path, zstd: true)
        let report = Verifier.verify(path, options: VerifyOptions())
        #expect(report.ok, "\(report.failure?.description ?? "")")
        #expect(report.compression == "zstd")
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for offset in stride(from: 20, to: original.count, by: max(1, original.count / 25)) {
            var bytes = original
            bytes[offset] ^= 0x55
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(!Verifier.verify(path, options: VerifyOptions()).ok, "a flip at offset \(offset) of the zstd stream went unnoticed")
        }
    }

    @Test func signaturesMustBeValidAndTrusted() throws {
        let dir = try temporaryDirectory("sig")
        let alice = newKey("alice"), mallory = newKey("mallory")
        let path = dir + "/signed.tar"
        try makeBundle(at: path, signer: alice)

        var report = Verifier.verify(path, options: VerifyOptions(trusted: [alice.1]))
        #expect(report.ok)
        #expect(report.signer?.raw == alice.1.raw)

        report = Verifier.verify(path, options: VerifyOptions(trusted: [mallory.1]))
        #expect(report.failure?.description == "signature: signed by key \(alice.1.id) (alice), which is not trusted; pass --trust FILE.pub or add it with `proj keys trust FILE.pub`")
        #expect(report.checks.map(\.outcome) == [.passed, .passed, .failed, .skipped, .skipped])

        // A signature by one key presented as another's: the claimed key does not verify it.
        let forged = dir + "/forged.tar"
        let manifest = try makeBundle(at: forged)
        let wrong = try Signature.sign(Array("something else".utf8), with: alice.0, key: alice.1)
        let files = try readFiles(forged, manifest)
        try FileManager.default.removeItem(atPath: forged)  // the writer never replaces a file
        try Builder.write(forged, document: manifest.document, signature: wrong, files: files, zstd: false, mtime: 0)
        report = Verifier.verify(forged, options: VerifyOptions(trusted: [alice.1]))
        #expect(report.failure?.description.hasPrefix("signature: bad signature") == true)

        let unsigned = dir + "/unsigned.tar"
        try makeBundle(at: unsigned)
        report = Verifier.verify(unsigned, options: VerifyOptions(trusted: [alice.1], requireSignature: true))
        #expect(report.failure?.description == "signature: the bundle is not signed and --require-signature was given")
        #expect(Verifier.verify(unsigned, options: VerifyOptions()).ok)
    }

    @Test func selftestRowsMustFitTheSchema() throws {
        let dir = try temporaryDirectory("selftest")
        let path = dir + "/bad.tar"
        try makeBundle(at: path, selftest: "{\"inputs\": [{\"url\": \"x\", \"length\": -3}], \"outputs\": null}\n")
        let report = Verifier.verify(path, options: VerifyOptions())
        #expect(report.failure?.description == "selftest.json: inputs[0]: 'length' is -3, below its min 0.0")
        try FileManager.default.removeItem(atPath: path)
        try makeBundle(at: path, selftest: "{\"inputs\": [{\"url\": \"x\"}]}\n")
        #expect(Verifier.verify(path, options: VerifyOptions()).failure?.description == "selftest.json: inputs[0] lacks column 'length'")
    }

    @Test func aLoaderReproducesTheRecordedOutputsOrFails() throws {
        struct Constant: ModelLoader, Predictor {
            var probability: Double
            func load(entry: String, files: [String: [UInt8]], schema: Schema) throws -> any Predictor {
                #expect(files[entry]?.count == 3004)
                return self
            }
            func predict(_ batch: Batch) throws -> [[Value.Entry]] {
                (0..<batch.count).map { _ in [.init("label", .int(1)), .init("probability", .double(probability))] }
            }
        }
        let dir = try temporaryDirectory("loader")
        let path = dir + "/demo.tar"
        try makeBundle(at: path)
        var options = VerifyOptions(loaders: ModelLoaders(["linear": Constant(probability: 0.9)]))
        #expect(Verifier.verify(path, options: options).ok)
        options.loaders = ModelLoaders(["linear": Constant(probability: 0.4)])
        #expect(Verifier.verify(path, options: options).failure?.description
                == "selftest.json: row 0 'probability': recorded 0.9, the model now gives 0.4")
    }

    func readFiles(_ path: String, _ manifest: Manifest) throws -> [BundleFile] {
        let scanned = try BundleReader.scan(path, maxSize: 1 << 30, keepModel: true)
        return manifest.files.keys.sorted(by: Manifest.byteOrder).map { name in
            let f = manifest.files[name]!
            return BundleFile(name: name, source: .bytes(scanned.kept[name] ?? []), sha256: f.sha256, size: f.size, executable: false)
        }
    }
}
