import Foundation
import PostgresServer
import Testing
@testable import Remote

/// A real S3-compatible server for one test: moto's (`.build/test-venvs/s3`, which `.ci/run` fills), on a
/// free loopback port, stopped by `stop()`.
final class MotoServer {
    let port = PostgresServer.freePort()
    var endpoint: String { "http://127.0.0.1:\(port)" }
    /// The server's process, which leads a session of its own so that stopping it reaches all it started.
    private var pid: pid_t = 0

    init() throws {
        let server = SigV4Tests.packageRoot + "/.build/test-venvs/s3/bin/moto_server"
        if !FileManager.default.isExecutableFile(atPath: server) {
            _ = try SigV4Tests.python()
            try #require(try SigV4Tests.run(SigV4Tests.packageRoot + "/.build/test-venvs/s3/bin/pip", ["install", "-q", "moto[server]"], input: nil).code == 0,
                         "pip install moto[server] failed")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(0x80)) // POSIX_SPAWN_SETSID
        let arguments: [String] = [server, "-H", "127.0.0.1", "-p", String(port)]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, server, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw PostgresServer.ServerError("cannot start \(server): error \(spawned)") }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if MotoServer.accepts(port) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw PostgresServer.ServerError("moto_server did not answer on \(endpoint) within 30 s")
    }

    /// Ends the server's whole session and reaps it. SIGKILL: the server keeps nothing worth flushing, and it
    /// does not end on SIGTERM.
    func stop() {
        guard pid > 0 else { return }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        pid = 0
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

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
