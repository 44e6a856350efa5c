import Fingerprint
import Foundation
@testable import ML
import Testing

@Suite struct FetchTests {
    /// A real HTTP server on 127.0.0.1 serving `directory` (Python's http.server), stopped by the caller.
    func serve(_ directory: String) throws -> (Process, Int) {
        let port = Int.random(in: 20000...60000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", directory]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        for _ in 0..<100 {
            if (try? Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/")!)) != nil { break }
            usleep(50_000)
        }
        return (server, port)
    }

    @Test func mirrorsAreTriedInOrderAndOnlyThePinnedBytesAreAccepted() throws {
        let dir = try scratch("fetch")
        let good = Data("url,status\nhttp://a.example,phishing\n".utf8)
        let sha = Hex.sha256(good)
        try FileManager.default.createDirectory(atPath: dir + "/www", withIntermediateDirectories: true)
        try good.write(to: URL(fileURLWithPath: dir + "/www/data.csv"))
        try Data("tampered\n".utf8).write(to: URL(fileURLWithPath: dir + "/bad.csv"))
        let (server, port) = try serve(dir + "/www")
        defer { server.terminate() }
        var log: [String] = []
        let outcome = try Fetch.run(sha256: sha, mirrors: [dir + "/missing.csv", "file://" + dir + "/bad.csv", "http://127.0.0.1:\(port)/data.csv"],
                                    output: dir + "/out/raw.csv", cacheDirectory: dir + "/cache") { log.append($0) }
        #expect(outcome == .downloaded(from: "http://127.0.0.1:\(port)/data.csv"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/out/raw.csv")) == good)
        #expect(log.count == 2)
        #expect(log.last == "refusing file://\(dir)/bad.csv: it serves sha256 \(Hex.sha256(Data("tampered\n".utf8))), not the pinned \(sha)")

        // Present in the cache: no mirror is needed.
        try FileManager.default.removeItem(atPath: dir + "/out/raw.csv")
        #expect(try Fetch.run(sha256: sha, mirrors: [], output: dir + "/out/raw.csv", cacheDirectory: dir + "/cache") == .cached)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/out/raw.csv")) == good)
    }

    @Test func noMirrorWithThePinnedBytesFailsAndWritesNothing() throws {
        let dir = try scratch("fetch-bad")
        try Data("tampered\n".utf8).write(to: URL(fileURLWithPath: dir + "/bad.csv"))
        let (server, port) = try serve(dir)
        defer { server.terminate() }
        let pinned = String(repeating: "ab", count: 32)
        do {
            _ = try Fetch.run(sha256: pinned, mirrors: ["http://127.0.0.1:\(port)/nope.csv", dir + "/bad.csv"],
                              output: dir + "/out/raw.csv", cacheDirectory: dir + "/cache")
            Issue.record("fetch succeeded")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix("no mirror served the pinned file (sha256 \(pinned)):"))
            #expect(text.contains("http://127.0.0.1:\(port)/nope.csv: HTTP 404"))
            #expect(text.contains("\(dir)/bad.csv: sha256 "))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/raw.csv"))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir + "/out")) ?? []).isEmpty)
    }
}
