import Foundation
import PostgresServer
import Testing
@testable import Remote

@Suite(.serialized) struct S3ClientTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDTEST", secretAccessKey: "test-secret-not-shown")

    static func client(_ server: MotoServer, bucket: String = "proj-test", prefix: String = "team/phishing") throws -> S3Client {
        try S3Client(remote: "storage", bucket: bucket, prefix: prefix, credentials: credentials, region: "us-east-1", endpoint: server.endpoint)
    }

    @Test func objectsGoAndComeBackWhole() async throws {
        let server = try MotoServer()
        defer { server.stop() }
        let s3 = try Self.client(server)
        try await s3.createBucket()
        let objects: [String: Data] = [
            "objects/ab/abcdef": Data("model bytes\n".utf8),
            "a b/ü€/x+y=z&w~.txt": Data((0..<70_000).map { UInt8($0 % 251) }),
            "runs/train/00": Data(),
        ]
        for (key, data) in objects { try await s3.put(key, data) }
        for (key, data) in objects {
            let got = try #require(try await s3.get(key, sha256: SigV4.sha256(data)))
            #expect(got.data == data, "\(key)")
            #expect(try await s3.head(key) == Int64(data.count))
        }
        #expect(Set(try await s3.list(under: "").map(\.key)) == Set(objects.keys))
        #expect(try await s3.list(under: "runs").map(\.key) == ["runs/train/00"])
        let missing = try await s3.get("missing"), missingSize = try await s3.head("missing")
        #expect(missing == nil && missingSize == nil)

        // Bytes other than asked for are refused, naming what came.
        do {
            _ = try await s3.get("objects/ab/abcdef", sha256: String(repeating: "0", count: 64))
            Issue.record("a wrong digest was accepted")
        } catch {
            #expect("\(error)".hasPrefix("remote 'storage' sent other bytes for objects/ab/abcdef than asked for (sha256 "), "\(error)")
        }
        try await s3.delete("runs/train/00")
        #expect(try await s3.head("runs/train/00") == nil)
    }

    @Test func listingsPastAThousandKeysAreFollowed() async throws {
        let server = try MotoServer()
        defer { server.stop() }
        let s3 = try Self.client(server, prefix: "")
        try await s3.createBucket()
        for i in 0..<1005 { try await s3.put(String(format: "cache/%04d", i), Data([UInt8(i % 256)])) }
        let listed = try await s3.list(under: "cache")
        #expect(listed.count == 1005 && listed.allSatisfy { $0.size == 1 })
    }

    @Test func conditionalWritesDoNotOverwrite() async throws {
        let server = try MotoServer()
        defer { server.stop() }
        let s3 = try Self.client(server)
        try await s3.createBucket()
        #expect(try await s3.put("index.yaml", Data("a: 1\n".utf8), ifNoneMatch: true))
        #expect(try await s3.put("index.yaml", Data("a: 2\n".utf8), ifNoneMatch: true) == false)
        let first = try #require(try await s3.get("index.yaml"))
        #expect(first.data == Data("a: 1\n".utf8))
        let etag = first.tag
        #expect(try await s3.put("index.yaml", Data("a: 3\n".utf8), ifMatch: etag))
        #expect(try await s3.put("index.yaml", Data("a: 4\n".utf8), ifMatch: etag) == false)
        #expect(try await s3.get("index.yaml")?.data == Data("a: 3\n".utf8))
    }

    @Test func aMissingBucketAndAnEndpointThatIsNotThereAreNamed() async throws {
        let server = try MotoServer()
        defer { server.stop() }
        do {
            _ = try await Self.client(server, bucket: "no-such-bucket").get("x")
            Issue.record("a missing bucket answered")
        } catch {
            #expect("\(error)" == "remote 'storage': there is no bucket 'no-such-bucket' at \(server.endpoint)")
        }
        let port = PostgresServer.freePort()
        var s3 = try S3Client(remote: "storage", bucket: "b-1", prefix: "", credentials: Self.credentials, region: "us-east-1", endpoint: "http://127.0.0.1:\(port)")
        s3.attempts = 2
        do {
            _ = try await s3.head("x")
            Issue.record("an endpoint nothing listens on answered")
        } catch {
            #expect("\(error)".hasPrefix("remote 'storage': cannot reach http://127.0.0.1:\(port) to head x: "), "\(error)")
            #expect(!"\(error)".contains("test-secret"))
        }
    }
}
