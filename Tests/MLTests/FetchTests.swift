import Fingerprint
import Foundation
@testable import ML
import Testing

@Suite struct FetchTests {
    /// A real HTTP server on 127.0.0.1 serving `directory` (Python's http.server on a port the kernel picks).
    /// It also exits when its standard input closes, so it cannot outlive this test process even if the
    /// test dies before `stop()`.
    final class StaticServer {
        let process = Process()
        let input = Pipe()
        let port: Int

        init(_ directory: String) throws {
            let script = """
                import functools, http.server, os, sys, threading
                handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
                handler.log_message = lambda *args: None
                httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
                print(httpd.server_address[1], flush=True)
                threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
                httpd.serve_forever()
                """
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, directory]
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                try? input.fileHandleForWriting.close()
                process.terminate()
                process.waitUntilExit()
                throw CocoaError(.fileReadUnknown)
            }
            self.port = port
        }

        /// Stops the server and waits for it.
        func stop() {
            try? input.fileHandleForWriting.close()
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    @Test func mirrorsAreTriedInOrderAndOnlyThePinnedBytesAreAccepted() throws {
        let dir = try scratch("fetch")
        let good = Data("url,status\nhttp://a.example,phishing\n".utf8)
        let sha = Hex.sha256(good)
        try FileManager.default.createDirectory(atPath: dir + "/www", withIntermediateDirectories: true)
        try good.write(to: URL(fileURLWithPath: dir + "/www/data.csv"))
        try Data("tampered\n".utf8).write(to: URL(fileURLWithPath: dir + "/bad.csv"))
        let server = try StaticServer(dir + "/www")
        defer { server.stop() }
        let port = server.port
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

        // A damaged cached copy is never restored: it is moved aside and the file is fetched again.
        let object = dir + "/cache/" + sha.prefix(2) + "/" + sha.dropFirst(2)
        chmod(object, 0o644)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: object)))
        bytes[0] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: object))
        try FileManager.default.removeItem(atPath: dir + "/out/raw.csv")
        log = []
        #expect(try Fetch.run(sha256: sha, mirrors: ["http://127.0.0.1:\(port)/data.csv"], output: dir + "/out/raw.csv",
                              cacheDirectory: dir + "/cache") { log.append($0) } == .downloaded(from: "http://127.0.0.1:\(port)/data.csv"))
        #expect(log.first?.hasPrefix("'\(object)' is corrupt: its content hashes to ") == true, "\(log)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/out/raw.csv")) == good)
        #expect(try Data(contentsOf: URL(fileURLWithPath: object)) == good, "the fetch stored a good copy")
        server.stop()
        #expect(kill(server.process.processIdentifier, 0) != 0, "the HTTP server outlived its test")
    }

    @Test func noMirrorWithThePinnedBytesFailsAndWritesNothing() throws {
        let dir = try scratch("fetch-bad")
        try Data("tampered\n".utf8).write(to: URL(fileURLWithPath: dir + "/bad.csv"))
        let server = try StaticServer(dir)
        defer { server.stop() }
        let port = server.port
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
