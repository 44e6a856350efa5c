import Foundation
import PostgresServer
import Remote
import Runner
import Testing

/// `proj push`, `fetch`, `pull`, `status --remote`, the remote run-cache and bundle stores, against a real
/// S3-compatible server (moto's, started and stopped by each test) and a directory: two "machines" are two
/// copies of a project with their own `.proj/` that share only the remote.
@Suite(.serialized) struct DataRemoteTests {
    static let credentials = ["AWS_ACCESS_KEY_ID": "AKIDPROJTEST", "AWS_SECRET_ACCESS_KEY": "never-shown-secret", "AWS_REGION": "us-east-1"]

    /// A stage that writes `n` small files into a directory and an 11 MiB file (three 5 MiB parts), both
    /// depending on `n`, and counts its runs.
    static let files: [String: String] = [
        "project.yaml": """
            name: demo
            stages:
              make:
                cmd: python3 make.py
                deps: [make.py]
                params: [n]
                outs: [data/files, big.bin]
            """,
        "params.yaml": "n: 40\n",
        "make.py": """
            import os, random
            n = int(open("params.yaml").read().split(":")[1])
            os.makedirs("data/files/sub", exist_ok=True)
            for i in range(n):
                open(f"data/files/{'sub/' if i % 3 else ''}f{i:05d}.txt", "w").write(f"file {i} of {n}\\n" * (i + 1))
            open("big.bin", "wb").write(random.Random(n).randbytes(11 << 20))
            os.makedirs("runs", exist_ok=True)
            open("runs/make", "a").write("ran\\n")
            """,
    ]

    /// Machine A, and machine B with the same project files (not its outs, `.proj/` or history).
    static func machines(remote url: String, endpoint: String?) throws -> (TempProject, TempProject) {
        var a = try TempProject(files), b = try TempProject(files)
        for p in [a, b] {
            var config = "remotes:\n  storage: {url: '\(url)'" + (endpoint.map { ", endpoint: '\($0)'" } ?? "") + ", part_size_mib: 5}\ndefault: storage\n"
            if endpoint == nil { config = "remotes:\n  storage: {url: '\(url)'}\ndefault: storage\n" }
            try p.write(".projconfig.yaml", config)
        }
        a.environment = credentials
        b.environment = credentials
        return (a, b)
    }

    /// Copies A's lock files to B, as a commit and a checkout would.
    static func share(_ a: TempProject, _ b: TempProject, _ paths: [String] = ["lockfiles/make.lock", "params.yaml"]) throws {
        for path in paths { try b.write(path, try #require(a.read(path))) }
    }

    static func bucket(_ server: MotoServer, _ name: String = "ml-artifacts") async throws -> S3Client {
        let s3 = try S3Client(remote: "check", bucket: name, prefix: "", credentials: AWSCredentials(accessKeyID: "AKIDPROJTEST", secretAccessKey: "x"),
                              region: "us-east-1", endpoint: server.endpoint)
        try await s3.createBucket()
        return s3
    }

    /// Every file under `path`, relative, with its SHA-256.
    static func tree(_ path: String) throws -> [String: String] {
        var out: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[name] = try sha256(path + "/" + name)
            }
        }
        return out
    }

    /// The remote never names an object it lacks: every index has its pack, every directory listing's files
    /// and every run-cache entry's outs are there. Returns the number of objects it holds.
    static func consistent(_ s3: S3Client, prefix: String) async throws -> Int {
        let keys = Set(try await s3.list(under: "").map(\.key).filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) })
        var objects: [String: Data?] = [:]
        for key in keys where key.hasPrefix("objects/") { objects[String(key.split(separator: "/").last!)] = .some(nil) }
        for key in keys where key.hasPrefix("packs/") && key.hasSuffix(".idx") {
            let pack = String(key.dropFirst(6).dropLast(4))
            #expect(keys.contains("packs/\(pack).pack"), "index \(pack) without its pack")
            let index = try PackIndex.parse(try #require(try await s3.get(prefix + key)).data, pack: pack, what: key)
            let bytes = try #require(try await s3.get(prefix + "packs/\(pack).pack", sha256: pack)).data
            for e in index.entries { objects[e.name] = bytes.subdata(in: Int(e.offset)..<Int(e.offset + e.size)) }
        }
        for (name, data) in objects where name.hasSuffix(".dir") {
            var listing = data
            if listing == nil { listing = try await s3.get(prefix + ObjectStores.objectKey(name))?.data }
            guard let listing else { Issue.record("listing \(name) unreadable"); continue }
            for line in String(decoding: listing, as: UTF8.self).split(separator: "\n") {
                let sha = String(line.split(separator: "\t")[1])
                #expect(objects[sha] != nil, "listing \(name.prefix(12)) names \(sha.prefix(12)), which is not there")
            }
        }
        for key in keys where key.hasPrefix("runs/") {
            let entry = try Lock.parse(String(decoding: try #require(try await s3.get(prefix + key)).data, as: UTF8.self), file: key)
            for (path, digest) in entry.outs {
                #expect(objects[digest.sha256 + (digest.isDirectory ? ".dir" : "")] != nil, "run-cache entry \(key) names \(path), which is not there")
            }
        }
        return objects.count
    }

    @Test func twoMachinesShareDataAndTheRunCacheThroughS3() async throws {
        let server = try MotoServer()
        defer { server.stop() }
        let s3 = try await Self.bucket(server)
        let (a, b) = try Self.machines(remote: "s3://ml-artifacts/team/demo", endpoint: server.endpoint)

        #expect(try a.proj("repro").code == 0)
        var r = try a.proj("push")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out == "Pushed 42 objects (11.0 MiB, 2 packs) to remote 'storage'; 0 were there; 1 run-cache entry.\n", "\(r.out)")
        r = try a.proj("push")
        #expect(r.out == "Nothing to push: remote 'storage' has all 42 objects.\n", "\(r.out)")
        #expect(try await Self.consistent(s3, prefix: "team/demo/") == 42)
        // The large file went up in three parts and is one object.
        let big = try #require(try await s3.list(under: "team/demo/objects").first { $0.size == 11 << 20 })
        #expect(big.key.hasPrefix("team/demo/objects/"))

        // B: stale until it pulls; then fresh, byte for byte A's outs, and nothing ran.
        try Self.share(a, b)
        r = try b.proj("status", "--remote")
        #expect(r.code == 0 && r.out == "not in this cache (`proj pull` fetches them):\n  make: data/files\n  make: big.bin\n", "\(r.out)\(r.err)")
        r = try b.proj("pull")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out == "Fetched 42 objects (11.0 MiB); 0 were cached.\nrestored data/files\nrestored big.bin\n", "\(r.out)")
        #expect(try b.proj("status").out == "Everything is fresh (1 stage).\n")
        #expect(try Self.tree(b.root + "/data") == (try Self.tree(a.root + "/data")))
        #expect(try sha256(b.root + "/big.bin") == (try sha256(a.root + "/big.bin")))
        #expect(b.runs("make") == 0)
        r = try b.proj("pull")
        #expect(r.code == 0 && r.out == "Nothing to fetch: the cache has all 42 objects.\nAll outs already match their locks.\n", "\(r.out)\(r.err)")
        #expect(try b.proj("status", "--remote", "storage").out == "Remote 'storage' and this cache both hold all 2 locked outs.\n")

        // A changes a param, runs and pushes; B makes the same change and restores from the remote run-cache.
        #expect(try a.proj("repro", "-S", "n=50").code == 0)
        r = try a.proj("push")
        #expect(r.code == 0 && r.out.hasSuffix("; 1 run-cache entry.\n"), "\(r.out)")
        r = try b.proj("repro", "-S", "n=50")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Stage 'make' restored from remote run-cache 'storage' (params n: 40 -> 50)"), "\(r.out)")
        #expect(b.runs("make") == 0)
        #expect(try Self.tree(b.root + "/data") == (try Self.tree(a.root + "/data")))
        #expect(b.read("lockfiles/make.lock") == a.read("lockfiles/make.lock"))
        #expect(try await Self.consistent(s3, prefix: "team/demo/") > 42)
    }

    @Test func bytesChangedOnTheWayAreRefusedAndNothingLands() async throws {
        let server = try MotoServer()
        defer { server.stop() }
        _ = try await Self.bucket(server)
        let proxy = try FlippingProxy(upstream: server.port)
        defer { proxy.stop() }
        let (a, b) = try Self.machines(remote: "s3://ml-artifacts/p", endpoint: server.endpoint)
        #expect(try a.proj("repro").code == 0)
        #expect(try a.proj("push").code == 0)
        try Self.share(a, b)
        try b.write(".projconfig.yaml", "remotes:\n  storage: {url: 's3://ml-artifacts/p', endpoint: 'http://127.0.0.1:\(proxy.port)'}\ndefault: storage\n")
        let r = try b.proj("pull")
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("Error: remote 'storage' sent other bytes for "), "\(r.err)")
        #expect(r.err.hasSuffix(" than asked for (sha256 \(r.err.split(separator: "(sha256 ").last!.prefix(12))…, not " + r.err.split(separator: ", not ").last!.prefix(12) + "…): nothing was kept\n"))
        #expect(proxy.flipped > 0)
        // No object, no out, no temporary file.
        let cache = (FileManager.default.enumerator(atPath: b.root + "/.proj/cache")?.allObjects as? [String] ?? []).filter { !$0.hasPrefix("tmp") }
        #expect(cache.allSatisfy { $0.count == 2 }, "\(cache)")
        #expect(!b.exists("data") && !b.exists("big.bin"))
    }

    @Test func aPushKilledMidwayIsCompletedByTheNext() async throws {
        let server = try MotoServer()
        defer { server.stop() }
        let s3 = try await Self.bucket(server)
        var (a, b) = try Self.machines(remote: "s3://ml-artifacts/k", endpoint: server.endpoint)
        // Many small files and several packs, so a kill lands among the uploads.
        try a.write("params.yaml", "n: 3000\n")
        #expect(try a.proj("repro").code == 0)
        for delay in [0.15, 0.4, 0.8] {
            var running = try a.start(["push", "-j", "2"])
            usleep(UInt32(delay * 1e6))
            kill(running.process.processIdentifier, SIGKILL)
            running.process.waitUntilExit()
            _ = try await Self.consistent(s3, prefix: "k/")
            running = try a.start(["push", "-j", "2"])
            usleep(UInt32(delay * 5e5))
            kill(running.process.processIdentifier, SIGINT)
            running.process.waitUntilExit()
            // Done, interrupted (130, saying so), or stopped by the signal before its handler was set.
            let status = running.process.terminationStatus, bySignal = running.process.terminationReason == .uncaughtSignal
            #expect(status == 0 || (status == 130 && running.errors().hasPrefix("Error: interrupted")) || (bySignal && status == SIGINT), "\(status) \(running.output())\(running.errors())")
            _ = try await Self.consistent(s3, prefix: "k/")
        }
        let r = try a.proj("push")
        #expect(r.code == 0, "\(r.err)")
        #expect(try await Self.consistent(s3, prefix: "k/") == 3002)
        try Self.share(a, b)
        b.environment = Self.credentials
        #expect(try b.proj("pull").code == 0)
        #expect(try Self.tree(b.root + "/data") == (try Self.tree(a.root + "/data")))
    }

    @Test func badRemotesAndMissingObjectsAreNamed() async throws {
        let server = try MotoServer()
        defer { server.stop() }
        let s3 = try await Self.bucket(server)
        let (a, b) = try Self.machines(remote: "s3://ml-artifacts/m", endpoint: server.endpoint)
        #expect(try a.proj("repro").code == 0)

        // A bucket that is not there, an endpoint nothing listens on, a remote not configured, no credentials.
        try a.write(".projconfig.yaml", "remotes:\n  storage: {url: 's3://no-such-bucket', endpoint: '\(server.endpoint)'}\n  gone: {url: 's3://b-1', endpoint: 'http://127.0.0.1:\(PostgresServer.freePort())'}\ndefault: storage\n")
        var r = try a.proj("push")
        #expect(r.code == 2 && r.err == "Error: remote 'storage': there is no bucket 'no-such-bucket' at \(server.endpoint)\n", "\(r.err)")
        r = try a.proj("push", "-r", "gone")
        #expect(r.code == 1 && r.err.hasPrefix("Error: remote 'gone': cannot reach http://127.0.0.1:"), "\(r.err)")
        // repro with a default remote nothing answers: said once, and the stage runs.
        try a.write(".projconfig.yaml", "remotes:\n  gone: {url: 's3://b-1', endpoint: 'http://127.0.0.1:\(PostgresServer.freePort())'}\ndefault: gone\n")
        r = try a.proj("repro", "-S", "n=41")
        #expect(r.code == 0 && r.out.contains("Running stage 'make': params n: 40 -> 41"), "\(r.out)\(r.err)")
        #expect(r.err.components(separatedBy: "remote 'gone' is not used for the rest of this run: remote 'gone': cannot reach").count == 2, "\(r.err)")
        try a.write(".projconfig.yaml", "remotes:\n  storage: {url: 's3://no-such-bucket', endpoint: '\(server.endpoint)'}\n  gone: {url: 's3://b-1', endpoint: 'http://127.0.0.1:\(PostgresServer.freePort())'}\ndefault: storage\n")
        // Back at n=40; the run-cache holds both runs, so a push sends both (85 objects).
        #expect(try a.proj("repro", "-S", "n=40").code == 0)
        r = try a.proj("push", "-j", "0")
        #expect(r.code == 2 && r.err.contains("-j must be from 1 to 64"), "\(r.err)")
        r = try a.proj("push", "-r", "nope")
        #expect(r.code == 2 && r.err == "Error: no remote 'nope' (known: storage, gone)\n")
        var bare = a
        bare.environment = ["AWS_ACCESS_KEY_ID": "", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"]
        r = try bare.proj("push")
        #expect(r.code == 2 && r.err.hasPrefix("Error: remote 'storage': no AWS credentials: set AWS_ACCESS_KEY_ID"), "\(r.err)")
        #expect(!r.err.contains("never-shown-secret"))

        // An object deleted behind proj's back: the pull names it, touches nothing, and a push from A sends it again.
        try Self.machines(remote: "s3://ml-artifacts/m", endpoint: server.endpoint).0.read(".projconfig.yaml").map { try a.write(".projconfig.yaml", $0) }
        #expect(try a.proj("push").code == 0)
        let bigKey = try #require(try await s3.list(under: "m/objects").first { $0.size == 11 << 20 }?.key)
        try await s3.delete(bigKey)
        try Self.share(a, b)
        r = try b.proj("pull")
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("Error: remote 'storage' lacks 1 object of these outs: big.bin ("), "\(r.err)")
        #expect(!b.exists("big.bin") && !b.exists("data"))
        // A's record still believes the object is there; `status --remote` asks afresh, and the push after it sends it.
        r = try a.proj("push")
        #expect(r.out == "Nothing to push: remote 'storage' has all 85 objects.\n", "\(r.out)\(r.err)")
        r = try a.proj("status", "--remote")
        #expect(r.out == "not on remote 'storage' (`proj push` sends them):\n  make: big.bin\n", "\(r.out)")
        r = try a.proj("push")
        #expect(r.out == "Pushed 1 object (11.0 MiB, 0 packs) to remote 'storage'; 84 were there.\n", "\(r.out)")
        // Or `push --rescan`.
        try await s3.delete(bigKey)
        r = try a.proj("push", "--rescan")
        #expect(r.out == "Pushed 1 object (11.0 MiB, 0 packs) to remote 'storage'; 84 were there.\n", "\(r.out)")
        #expect(try b.proj("pull").code == 0)
        #expect(try sha256(b.root + "/big.bin") == (try sha256(a.root + "/big.bin")))
    }

    @Test func bundlesGoThroughS3AndConcurrentPushesKeepEveryVersion() async throws {
        let server = try MotoServer()
        defer { server.stop() }
        _ = try await Self.bucket(server)
        var projects: [TempProject] = []
        for i in 0..<4 {
            var p = try TempProject(bundleProject)
            p.environment = projEnvironment(p).merging(Self.credentials) { $1 }
            try p.write("project.yaml", bundleProject["project.yaml"]!.replacingOccurrences(of: "version: 1.0.0", with: "version: 1.0.\(i)"))
            try p.write(".projconfig.yaml", "remotes:\n  models: {url: 's3://ml-artifacts/bundles', endpoint: '\(server.endpoint)'}\ndefault: models\n")
            #expect(try p.proj("repro", "-S", "train.seed=\(i)").code == 0)
            #expect(try p.proj("bundle").code == 0)
            projects.append(p)
        }
        let running = try projects.enumerated().map { i, p in try p.start(["bundle", "push", "bundles/demo-1.0.\(i).tar"]) }
        for r in running { r.process.waitUntilExit() }
        for r in running { #expect(r.process.terminationStatus == 0, "\(r.errors())") }
        var r = try projects[0].proj("bundle", "list", "--json")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]])
        #expect(list.compactMap { $0["version"] as? String } == (0..<4).map { "1.0.\($0)" }, "\(r.out)\(r.err)")

        // Another machine pulls by the remote's name and verifies; a version taken is refused.
        var other = try TempProject(bundleProject)
        other.environment = projEnvironment(other).merging(Self.credentials) { $1 }
        try other.write(".projconfig.yaml", projects[0].read(".projconfig.yaml")!)
        r = try other.proj("bundle", "pull", "demo@1.0.2", "models", "-o", "pulled")
        #expect(r.code == 0, "\(r.err)")
        #expect(try sha256(other.root + "/pulled/demo-1.0.2.tar") == (try sha256(projects[2].root + "/bundles/demo-1.0.2.tar")))
        #expect(try other.proj("verify", "pulled/demo-1.0.2.tar").code == 0)
        var viaEnvironment = projects[1]
        viaEnvironment.environment["AWS_ENDPOINT_URL"] = server.endpoint
        r = try viaEnvironment.proj("bundle", "push", "bundles/demo-1.0.1.tar", "s3://ml-artifacts/bundles")
        #expect(r.code == 0 && r.out.hasPrefix("demo@1.0.1 is already in s3://ml-artifacts/bundles with the same content"), "\(r.out)\(r.err)")
    }

    @Test func aDirectoryRemoteWorksTheSameWay() throws {
        let remote = FileManager.default.temporaryDirectory.appendingPathComponent("proj-remote-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: remote) }
        let (a, b) = try Self.machines(remote: remote, endpoint: nil)
        #expect(try a.proj("repro").code == 0)
        #expect(try a.proj("push", "make").out == "Pushed 42 objects (11.0 MiB, 2 packs) to remote 'storage'; 0 were there; 1 run-cache entry.\n")
        try Self.share(a, b)
        var r = try b.proj("fetch")
        #expect(r.out == "Fetched 42 objects (11.0 MiB); 0 were cached.\n", "\(r.out)\(r.err)")
        #expect(!b.exists("big.bin"))
        r = try b.proj("pull")
        #expect(r.out == "Nothing to fetch: the cache has all 42 objects.\nrestored data/files\nrestored big.bin\n", "\(r.out)")
        #expect(try Self.tree(b.root + "/data") == (try Self.tree(a.root + "/data")))
        // A pack damaged on the remote is refused by its digest; nothing lands.
        let c = try TempProject(Self.files)
        try c.write(".projconfig.yaml", a.read(".projconfig.yaml")!)
        try Self.share(a, c)
        let pack = try #require(try FileManager.default.contentsOfDirectory(atPath: remote + "/packs").first { $0.hasSuffix(".pack") })
        chmod(remote + "/packs/" + pack, 0o644)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: remote + "/packs/" + pack)))
        bytes[10] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: remote + "/packs/" + pack))
        r = try c.proj("pull")
        #expect(r.code == 1 && r.err.hasPrefix("Error: remote 'storage' holds other bytes under packs/\(pack) than asked for"), "\(r.err)")
        #expect(!c.exists("data") && !c.exists("big.bin"))
    }

    /// Whether this machine lets the tests mount a small tmpfs (root, with the capability to mount).
    static let canMount: Bool = {
        guard getuid() == 0 else { return false }
        let probe = "/tmp/proj-mount-probe-\(getpid())"
        mkdir(probe, 0o755)
        defer { rmdir(probe) }
        guard mount("tmpfs", probe, "tmpfs", 0, "size=1m") == 0 else { return false }
        umount(probe)
        return true
    }()

    @Test(.enabled(if: canMount, "needs root to mount a small tmpfs")) func aFullDiskDuringAPullLeavesNothingHalfWritten() async throws {
        let server = try MotoServer()
        defer { server.stop() }
        _ = try await Self.bucket(server)
        let (a, _) = try Self.machines(remote: "s3://ml-artifacts/f", endpoint: server.endpoint)
        #expect(try a.proj("repro").code == 0)
        #expect(try a.proj("push").code == 0)
        // Machine B lives on a 6 MiB disk: the 11 MiB file cannot land.
        let disk = "/tmp/proj-full-\(UUID().uuidString.prefix(8))"
        mkdir(disk, 0o755)
        try #require(mount("tmpfs", disk, "tmpfs", 0, "size=6m") == 0)
        defer {
            umount(disk)
            rmdir(disk)
        }
        var b = TempProject(at: disk + "/b")
        for (path, text) in Self.files { try b.write(path, text) }
        try b.write(".projconfig.yaml", a.read(".projconfig.yaml")!)
        try Self.share(a, b)
        b.environment = Self.credentials
        let r = try b.proj("pull")
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("Error: cannot write ") && r.err.contains("no space left on device"), "\(r.err)")
        // No temporary file is left, no object that does not hash to its name, nothing in the workspace.
        let left = FileManager.default.enumerator(atPath: b.root + "/.proj")?.allObjects as? [String] ?? []
        #expect(!left.contains { $0.contains(".proj-tmp-") }, "\(left)")
        for name in left where name.hasPrefix("cache/") && name.split(separator: "/").count == 3 && !name.hasPrefix("cache/tmp") {
            let parts = name.split(separator: "/")
            let actual = try sha256(b.root + "/.proj/" + name)
            #expect(name.hasSuffix(".dir") || actual == String(parts[1] + parts[2]), "\(name)")
        }
        #expect(!b.exists("data") && !b.exists("big.bin"))
    }

    @Test func credentialsTheServerRefusesAreNamedWithoutTheSecret() async throws {
        // moto checks credentials once told to: every key proj could hold is unknown to it.
        let server = try MotoServer(environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "0"])
        defer { server.stop() }
        let (a, _) = try Self.machines(remote: "s3://ml-artifacts/c", endpoint: server.endpoint)
        #expect(try a.proj("repro").code == 0)
        let r = try a.proj("push")
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("Error: remote 'storage': access key AKIDPROJTEST (from environment) may not list c/packs/ in bucket 'ml-artifacts' ("), "\(r.err)")
        #expect(!r.err.contains("never-shown-secret"))
        #expect(try a.proj("bundle", "list").code == 1)
    }
}
