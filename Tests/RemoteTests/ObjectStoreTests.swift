import Foundation
import PostgresServer
import Testing
@testable import Remote

/// Pack indexes read as hostile text, and a directory's object store: conditional writes, downloads checked
/// against their digest, listings.
@Suite struct ObjectStoreTests {
    static let pack = String(repeating: "a", count: 64)
    static let object = String(repeating: "b", count: 64)

    @Test func packIndexesRoundTripAndDamageIsNamed() throws {
        let index = PackIndex(pack: Self.pack, size: 30, entries: [.init(name: Self.object + ".dir", offset: 10, size: 20), .init(name: Self.object, offset: 0, size: 10)])
        #expect(try PackIndex.parse(Data(index.text.utf8), pack: Self.pack, what: "x.idx").entries.map(\.name) == [Self.object, Self.object + ".dir"])
        for (text, why) in [
            ("proj-pack 1 \(Self.pack) 30\n\(Self.object)\t25\t10\n", "line 2 is not `NAME\tOFFSET\tSIZE` inside the pack"),
            ("proj-pack 1 \(Self.pack) 30\n../../etc/passwd\t0\t1\n", "line 2 is not `NAME\tOFFSET\tSIZE` inside the pack"),
            ("proj-pack 1 \(Self.pack) 30\n\(Self.object)\t-1\t1\n", "line 2 is not `NAME\tOFFSET\tSIZE` inside the pack"),
            ("proj-pack 1 \(Self.pack) 30\n\(Self.object)\t0\t9223372036854775807\n", "line 2 is not `NAME\tOFFSET\tSIZE` inside the pack"),
            ("proj-pack 1 \(Self.object) 30\n", "its first line is not `proj-pack 1 aaaaaaaaaaaa… SIZE`"),
            ("proj-pack 2 \(Self.pack) 30\n", "its first line is not `proj-pack 1 aaaaaaaaaaaa… SIZE`"),
            ("", "its first line is not `proj-pack 1 aaaaaaaaaaaa… SIZE`"),
        ] {
            #expect(throws: RemoteError.self) { try PackIndex.parse(Data(text.utf8), pack: Self.pack, what: "x.idx") }
            do { _ = try PackIndex.parse(Data(text.utf8), pack: Self.pack, what: "x.idx") } catch { #expect("\(error)" == "x.idx is damaged: \(why)", "\(text)") }
        }
        #expect(throws: RemoteError.self) { try PackIndex.parse(Data([0xff, 0xfe]), pack: Self.pack, what: "x.idx") }
        #expect(PackIndex.isObjectName(Self.object) && PackIndex.isObjectName(Self.object + ".dir"))
        #expect(!PackIndex.isObjectName(Self.object.uppercased()) && !PackIndex.isObjectName(Self.object + ".tar") && !PackIndex.isObjectName("ab"))
    }

    @Test func aDirectoryStoreWritesConditionallyAndChecksDownloads() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("proj-objects-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = DirectoryObjectStore(remote: "nfs", root: root)
        #expect(try await store.get("index.yaml") == nil)
        #expect(try await store.put("index.yaml", Data("a: 1\n".utf8), condition: .absent))
        #expect(try await store.put("index.yaml", Data("a: 2\n".utf8), condition: .absent) == false)
        let first = try #require(try await store.get("index.yaml"))
        #expect(try await store.put("index.yaml", Data("a: 3\n".utf8), condition: .unchanged(tag: first.tag)))
        #expect(try await store.put("index.yaml", Data("a: 4\n".utf8), condition: .unchanged(tag: first.tag)) == false)
        #expect(try await store.get("index.yaml")?.data == Data("a: 3\n".utf8))

        let data = Data("model bytes\n".utf8), sha = SigV4.sha256(data)
        #expect(try await store.put("objects/\(sha.prefix(2))/\(sha)", data, condition: .always))
        #expect(try await store.list(under: "objects").map(\.key) == ["objects/\(sha.prefix(2))/\(sha)"])
        #expect(try await store.head("objects/\(sha.prefix(2))/\(sha)") == Int64(data.count))
        let target = root + "-out/model"
        defer { try? FileManager.default.removeItem(atPath: root + "-out") }
        #expect(try await store.download("objects/\(sha.prefix(2))/\(sha)", to: target, sha256: sha, mode: 0o444))
        #expect(FileManager.default.contents(atPath: target) == data)
        #expect(try await store.download("objects/none", to: target + "2", sha256: sha, mode: 0o444) == false)
        do {
            _ = try await store.download("index.yaml", to: target + "3", sha256: sha, mode: 0o444)
            Issue.record("other bytes were accepted")
        } catch {
            #expect("\(error)".hasPrefix("remote 'nfs' holds other bytes under index.yaml than asked for (sha256 "), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: target + "3"))
        #expect((try FileManager.default.contentsOfDirectory(atPath: root + "-out")) == ["model"])
    }

    @Test func aLargeFileGoesUpInPartsAndComesBackWhole() async throws {
        let server = try MotoServer()
        defer { server.stop() }
        var s3 = try S3ClientTests.client(server)
        try await s3.createBucket()
        s3.partSize = 5 << 20
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("proj-big-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file); try? FileManager.default.removeItem(atPath: file + ".back") }
        let bytes = Data((0..<(12 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) })
        try bytes.write(to: URL(fileURLWithPath: file))
        try await s3.upload("objects/big", from: file, size: Int64(bytes.count))
        #expect(try await s3.head("objects/big") == Int64(bytes.count))
        #expect(try await s3.download("objects/big", to: file + ".back", sha256: SigV4.sha256(bytes), mode: 0o444))
        #expect(FileManager.default.contents(atPath: file + ".back") == bytes)
        // No part is left behind in an unfinished upload.
        let pending = try await s3.send("GET", "/\(s3.bucket)", query: [("uploads", "")], what: "list uploads", accept: [200])
        #expect(!String(decoding: pending.body, as: UTF8.self).contains("<UploadId>"))
    }
}
