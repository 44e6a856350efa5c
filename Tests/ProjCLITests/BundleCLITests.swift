import Foundation
import Testing

/// A one-stage project whose `train` fits a tiny liblinear model (`proj ml train`) and writes a metrics file,
/// with a bundle section.
let bundleProject: [String: String] = [
    "data.csv": """
        url,length,status
        http://a.example,16,legitimate
        "http://b.example/x,y",20,phishing
        http://c.example,16,legitimate
        http://d.example/login,22,phishing
        http://e.example,16,legitimate
        http://f.example/verify,23,phishing
        http://g.example,17,legitimate
        http://h.example/account,24,phishing

        """,
    "params.yaml": "train:\n  seed: 1\n",
    "train.sh": """
        mkdir -p models metrics
        proj ml train --input data.csv --target status --positive phishing --negative legitimate --exclude url --models logreg --c "$1" --seed "$1" --folds 2 --validation-fraction 0.25 \\
          --model models/model --schema work/schema.yaml --plots work/curve.csv > /dev/null
        printf '{"f1": 0.5, "seed": %s}\\n' "$1" > metrics/eval.json

        """,
    "schema.yaml": """
        input:
          - {name: length, type: int, min: 0}
        output:
          - {name: label, type: int, values: [0, 1]}
          - {name: probability, type: double, min: 0, max: 1}

        """,
    "project.yaml": """
        name: demo
        version: 1.0.0   # bundle version
        stages:
          train:
            cmd: sh train.sh ${params.train.seed}
            deps: [data.csv, train.sh]
            params: [train]
            outs: [models/model]
            metrics: [metrics/eval.json]
        bundle:
          model: models/model
          flavor: linear
          schema: schema.yaml
          metrics: [metrics/eval.json]
          description: A test model.
          selftest: {data: data.csv, rows: 2}

        """,
]

/// The environment for a project whose stages call `proj`.
func projEnvironment(_ p: TempProject) -> [String: String] {
    let bin = URL(fileURLWithPath: projBinary).deletingLastPathComponent().path
    return ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), "PROJ_CONFIG_DIR": p.root + "/.config-proj"]
}

func sha256(_ path: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    p.arguments = [path]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    p.waitUntilExit()
    return String(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
}

@Suite(.serialized) struct BundleCLITests {
    func project() throws -> TempProject {
        var p = try TempProject(bundleProject)
        p.environment = projEnvironment(p)
        return p
    }

    @Test func refusesAStalePipelineThenBuildsVerifiesAndInspects() throws {
        let p = try project()
        var r = try p.proj("bundle")
        #expect(r.code == 1)
        #expect(r.err == "Error: the pipeline is stale: train; run `proj repro` first, or pass --allow-stale to bundle anyway\n")
        #expect(!p.exists("bundles"))
        r = try p.proj("bundle", "--allow-stale")
        #expect(r.code == 2)
        #expect(r.err == "Error: bundle.model: models/model does not exist (run `proj repro` to produce it?)\n")

        #expect(try p.proj("repro").code == 0)
        r = try p.proj("bundle")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("built bundles/demo-1.0.0.tar (8 entries, "))
        r = try p.proj("verify", "bundles/demo-1.0.0.tar")
        #expect(r.code == 0)
        #expect(r.out.contains("  ok   files      7 files, "))
        #expect(r.out.contains("  ok   selftest   2 rows reproduce their recorded outputs"))

        r = try p.proj("inspect", "bundles/demo-1.0.0.tar")
        #expect(r.out.hasPrefix("NOT VERIFIED: inspect reads bundle.yaml only; run `proj verify` to check the digests, the signature and the selftest\ndemo 1.0.0 (linear, bundle format 1)\n"))
        #expect(r.out.contains("  metrics/eval.json.f1: 0.5\n"))
        #expect(r.out.contains("  train.seed: 1\n"))
        r = try p.proj("inspect", "--json", "bundles/demo-1.0.0.tar")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(json["name"] as? String == "demo")
        #expect(json["signed"] as? Bool == false)
        let stages = (json["provenance"] as? [String: Any])?["stages"] as? [String: Any]
        #expect(stages?["train"] != nil)
        #expect(json["verified"] as? Bool == false)

        // A copy cut short: inspect still reads the manifest, and says the archive cannot hold what it lists.
        let whole = try Data(contentsOf: URL(fileURLWithPath: p.root + "/bundles/demo-1.0.0.tar"))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: p.root + "/cut.tar"))
        r = try p.proj("inspect", "cut.tar")
        #expect(r.code == 0)
        #expect(r.out.hasPrefix("NOT VERIFIED: inspect reads bundle.yaml only; run `proj verify` to check the digests, the signature and the selftest\nDAMAGED: the archive holds \(whole.count / 2) bytes but its manifest declares at least "), "\(r.out)")
        #expect(r.out.contains(": it is cut short\ndemo 1.0.0 (linear, bundle format 1)\n"))

        // Stale again: --allow-stale builds, and the bundle says which stages were stale.
        try p.write("data.csv", bundleProject["data.csv"]! + "http://i.example,16,legitimate\n")
        r = try p.proj("bundle", "--allow-stale", "--bump", "patch")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("version 1.0.0 -> 1.0.1 (project.yaml updated)"))
        #expect(r.out.contains("warning: built from a stale pipeline (train); the bundle says so"))
        #expect(p.read("project.yaml")?.contains("version: 1.0.1   # bundle version\n") == true)
        r = try p.proj("inspect", "bundles/demo-1.0.1.tar")
        #expect(r.out.contains("  STALE      built with stale stages: train\n"))
    }

    @Test func onlyStagesBehindTheBundleCount() throws {
        let p = try project()
        try p.write("project.yaml", bundleProject["project.yaml"]!.replacingOccurrences(of: "bundle:\n", with: """
              report:
                cmd: wc -l data.csv > report.txt
                deps: [data.csv]
                outs: [report.txt]
            bundle:

            """))
        try p.proj("repro", "train")
        // `report` never ran: it is stale, but the bundle does not come from it.
        var r = try p.proj("bundle")
        #expect(r.code == 0, "\(r.err)")
        r = try p.proj("inspect", "--json", "bundles/demo-1.0.0.tar")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let stages = (json["provenance"] as? [String: Any])?["stages"] as? [String: Any]
        #expect(stages.map { Array($0.keys) } == ["train"])
        // Running it later changes nothing in the bundle.
        try p.proj("repro")
        #expect(try p.proj("bundle").out.hasPrefix("demo 1.0.0 is unchanged"))
    }

    @Test func twoBuildsInDifferentDirectoriesAtDifferentTimesAreByteIdentical() throws {
        let a = try project(), b = try project()
        #expect(try a.proj("repro").code == 0)
        Thread.sleep(forTimeInterval: 1.1)
        for file in ["data.csv", "schema.yaml", "train.sh"] { try b.write(file, bundleProject[file]!) }
        #expect(try b.proj("repro").code == 0)
        for args in [["bundle"], ["bundle", "--zstd"]] {
            #expect(try a.proj(args).code == 0)
            Thread.sleep(forTimeInterval: 1.1)
            #expect(try b.proj(args).code == 0)
        }
        for name in ["demo-1.0.0.tar", "demo-1.0.0.tar.zst"] {
            let x = try sha256(a.root + "/bundles/" + name), y = try sha256(b.root + "/bundles/" + name)
            #expect(x == y, "\(name) differs between builds")
            #expect(x.count == 64)
        }
        // Rebuilding the same content is a no-op.
        let r = try a.proj("bundle")
        #expect(r.out.hasPrefix("demo 1.0.0 is unchanged: bundles/demo-1.0.0.tar already holds this content\n"))
    }

    @Test func otherContentUnderAReleasedVersionIsAnExperiment() throws {
        let p = try project()
        try p.proj("repro")
        try p.proj("bundle")
        let before = try sha256(p.root + "/bundles/demo-1.0.0.tar")
        #expect(try p.proj("repro", "-S", "train.seed=2").code == 0)
        var r = try p.proj("bundle")
        #expect(r.code == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        let version = try #require(lines.first.flatMap { $0.firstRange(of: /1\.0\.1-exp\.[0-9a-f]{8}/) }.map { String(lines[0][$0]) }, "\(r.out)")
        #expect(lines[0] == "demo 1.0.0 is released with other content: this is the experiment \(version) (a release needs --bump patch|minor|major)")
        #expect(lines.count > 1 && lines[1].hasPrefix("built bundles/demo-\(version).tar ("), "\(r.out)")
        // The release is untouched; the experiment verifies and is recorded beside it.
        #expect(try sha256(p.root + "/bundles/demo-1.0.0.tar") == before)
        #expect(listing(p.root + "/bundles") == ["demo-1.0.0.tar", "demo-\(version).tar", "index.yaml"])
        #expect(try p.proj("verify", "bundles/demo-\(version).tar").code == 0)
        #expect(p.read("bundles/index.yaml")?.contains("\(version):") == true)
        // The same content again: the same pre-release, unchanged.
        r = try p.proj("bundle")
        #expect(r.out.contains("demo \(version) is unchanged: bundles/demo-\(version).tar already holds this content\n"), "\(r.out)")

        // With the index gone, the release's archive still guards its version.
        try FileManager.default.removeItem(atPath: p.root + "/bundles/index.yaml")
        try FileManager.default.removeItem(atPath: p.root + "/bundles/demo-\(version).tar")
        r = try p.proj("bundle")
        #expect(r.code == 0 && r.out.contains("this is the experiment \(version) "), "\(r.out)")
        #expect(try sha256(p.root + "/bundles/demo-1.0.0.tar") == before)

        // A bump makes a release; a bump onto a version released with other content is refused.
        r = try p.proj("bundle", "--bump", "minor")
        #expect(r.code == 0, "\(r.err)")
        #expect(p.read("project.yaml")?.contains("version: 1.1.0   # bundle version\n") == true)
        #expect(p.exists("bundles/demo-1.1.0.tar"))
        #expect(try p.proj("repro", "-S", "train.seed=3").code == 0)
        try p.write("project.yaml", p.read("project.yaml")!.replacingOccurrences(of: "version: 1.1.0", with: "version: 1.0.0"))
        r = try p.proj("bundle", "--bump", "minor")
        #expect(r.code == 1)
        #expect(r.err == "Error: demo 1.1.0 already exists (bundles/index.yaml) with different content; versions are immutable: pass --bump patch|minor|major\n")
        r = try p.proj("bundle", "--bump", "huge")
        #expect(r.code == 2)
        #expect(r.err == "Error: --bump takes patch, minor or major, not 'huge'\n")
    }

    @Test func keysSignAndVerifyWithTrust() throws {
        let p = try project()
        try p.proj("repro")
        var r = try p.proj("keys", "generate", "alice")
        #expect(r.code == 0, "\(r.err)")
        let keyFile = p.root + "/.config-proj/keys/alice.key"
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let secret = p.read(".config-proj/keys/alice.key")
        r = try p.proj("keys", "generate", "alice")
        #expect(r.code == 1)
        #expect(r.err == "Error: \(keyFile) already exists; keys are never overwritten (pick another name or delete it yourself)\n")
        #expect(p.read(".config-proj/keys/alice.key") == secret)

        r = try p.proj("bundle", "--sign", "alice")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("  signed    key "))
        r = try p.proj("verify", "bundles/demo-1.0.0.tar")
        #expect(r.code == 0)
        #expect(r.out.contains("  ok   signature  signed by trusted key"))

        // Another machine: no keys at all, then the public key passed with --trust.
        var other = p
        other.environment = ["PROJ_CONFIG_DIR": p.root + "/.config-other"]
        r = try other.proj("verify", "bundles/demo-1.0.0.tar")
        #expect(r.code == 1)
        #expect(r.out.contains("  FAIL signature  signature: signed by key "))
        #expect(r.err.hasSuffix("which is not trusted; pass --trust FILE.pub or add it with `proj keys trust FILE.pub`\n"))
        r = try other.proj("verify", "--trust", p.root + "/.config-proj/keys/alice.pub", "--require-signature", "bundles/demo-1.0.0.tar")
        #expect(r.code == 0, "\(r.out)\(r.err)")
        #expect(try other.proj("keys", "trust", p.root + "/.config-proj/keys/alice.pub").code == 0)
        #expect(try other.proj("verify", "bundles/demo-1.0.0.tar").code == 0)

        r = try p.proj("bundle", "--sign", "bob")
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("Error: no signing key 'bob' ("))
        try p.proj("bundle", "--zstd")
        r = try p.proj("verify", "--require-signature", "bundles/demo-1.0.0.tar.zst")
        #expect(r.code == 1)
        #expect(r.err == "Error: signature: the bundle is not signed and --require-signature was given\n")
    }

    @Test func pushFromOneProjectPullIntoAnother() throws {
        let a = try project(), b = try project()
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("proj-store-\(UUID().uuidString)").path
        try a.proj("repro")
        try a.proj("bundle")
        var r = try a.proj("bundle", "push", "bundles/demo-1.0.0.tar", store)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("pushed demo@1.0.0 to \(store) (sha256 "))
        r = try a.proj("bundle", "push", "bundles/demo-1.0.0.tar", "file://" + store)
        #expect(r.out.hasPrefix("demo@1.0.0 is already in file://\(store) with the same content"))

        r = try b.proj("bundle", "pull", "demo", "file://" + store, "-o", "bundles")
        #expect(r.code == 0, "\(r.err)")
        #expect(try sha256(b.root + "/bundles/demo-1.0.0.tar") == (try sha256(a.root + "/bundles/demo-1.0.0.tar")))
        #expect(try b.proj("verify", "bundles/demo-1.0.0.tar").code == 0)
        #expect(listing(b.root + "/bundles") == ["demo-1.0.0.tar"])

        // Different content under the same version is refused, and the store is unchanged.
        try b.proj("repro", "-S", "train.seed=9")
        try FileManager.default.removeItem(atPath: b.root + "/bundles/demo-1.0.0.tar")
        try b.proj("bundle")
        let index = try String(contentsOfFile: store + "/index.yaml", encoding: .utf8)
        r = try b.proj("bundle", "push", "bundles/demo-1.0.0.tar", store)
        #expect(r.code == 1)
        #expect(r.err == "Error: demo@1.0.0 is already in \(store) with different content; versions are immutable: bump the version (proj bundle --bump patch)\n")
        #expect(try String(contentsOfFile: store + "/index.yaml", encoding: .utf8) == index)

        r = try a.proj("bundle", "list", store, "--json")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list.first?["version"] as? String == "1.0.0")
        r = try b.proj("bundle", "pull", "demo@2.0.0", store)
        #expect(r.code == 1)
        #expect(r.err == "Error: demo has no version 2.0.0 in \(store) (it has 1.0.0)\n")
        r = try b.proj("bundle", "pull", "dmo", store)
        #expect(r.err == "Error: no bundle named 'dmo' in \(store) (did you mean 'demo'?)\n")
        r = try b.proj("bundle", "push", "bundles/demo-1.0.0.tar", "s3://bucket/x")
        #expect(r.code == 2)
    }

    @Test func aDamagedStoreObjectNeverLands() throws {
        let p = try project()
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("proj-store-\(UUID().uuidString)").path
        try p.proj("repro")
        try p.proj("bundle")
        #expect(try p.proj("bundle", "push", "bundles/demo-1.0.0.tar", store).code == 0)
        let sha = try sha256(p.root + "/bundles/demo-1.0.0.tar")
        let object = store + "/objects/" + sha.prefix(2) + "/" + sha
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: object)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: object)))
        bytes[3000] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: object))
        let r = try p.proj("bundle", "pull", "demo@1.0.0", store, "-o", "pulled")
        #expect(r.code == 1)
        // The download is checked against the object's name before anything lands.
        #expect(r.err.hasPrefix("Error: remote '\(store)' holds other bytes under objects/\(sha.prefix(2))/\(sha) than asked for (sha256 "), "\(r.err)")
        #expect(r.err.hasSuffix(", not \(sha.prefix(12))…): nothing was kept\n"))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: p.root + "/pulled")) ?? []).isEmpty)
    }

    @Test func aDamagedOrHostileStoreIndexIsAnError() throws {
        let p = try project()
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("proj-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        try "demo: [1, 2\n".write(toFile: store + "/index.yaml", atomically: true, encoding: .utf8)
        var r = try p.proj("bundle", "list", store)
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("Error: store index is damaged: "))
        let sha = String(repeating: "a", count: 64)
        try "demo:\n  1.0.0: {file: ../../escape.tar, manifest: \(sha), sha256: \(sha), size: 1}\n"
            .write(toFile: store + "/index.yaml", atomically: true, encoding: .utf8)
        r = try p.proj("bundle", "pull", "demo", store, "-o", "pulled")
        #expect(r.code == 1)
        #expect(r.err == "Error: store index names an unsafe file '../../escape.tar'\n")
        #expect(!p.exists("pulled") && !FileManager.default.fileExists(atPath: p.root + "/../escape.tar"))
    }

    @Test func concurrentPushesLeaveAConsistentIndex() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("proj-store-\(UUID().uuidString)").path
        var projects: [TempProject] = []
        for i in 0..<6 {
            let p = try project()
            try p.write("project.yaml", bundleProject["project.yaml"]!.replacingOccurrences(of: "version: 1.0.0", with: "version: 1.0.\(i)"))
            try p.proj("repro", "-S", "train.seed=\(i)")
            #expect(try p.proj("bundle").code == 0)
            projects.append(p)
        }
        // Each pushes its own version, and the first one's bundle is pushed twice at once.
        var running = try projects.enumerated().map { i, p in try p.start(["bundle", "push", "bundles/demo-1.0.\(i).tar", store]) }
        running.append(try projects[0].start(["bundle", "push", "bundles/demo-1.0.0.tar", store]))
        for r in running { r.process.waitUntilExit() }
        for r in running { #expect(r.process.terminationStatus == 0, "\(r.errors())") }
        let r = try projects[0].proj("bundle", "list", store, "--json")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]])
        #expect(list.compactMap { $0["version"] as? String } == (0..<6).map { "1.0.\($0)" })
        let objects = listing(store + "/objects").filter { $0.count > 2 }
        #expect(objects.count == 6, "\(objects)")
    }

    @Test func extractVerifiesThenUnpacks() throws {
        let p = try project()
        try p.proj("repro")
        try p.proj("bundle")
        var r = try p.proj("extract", "bundles/demo-1.0.0.tar", "out")
        #expect(r.code == 0, "\(r.err)")
        #expect(listing(p.root + "/out") == ["MODEL_CARD.md", "metrics.json", "model", "model/model", "model/model/linear.bin", "model/model/model.json", "model/model/preprocess.json", "schema.yaml", "selftest.json"])
        #expect(p.read("out/model/model/model.json")?.contains("\"kind\": \"logreg\"") == true)
        #expect(p.read("out/MODEL_CARD.md")?.contains("| train.seed | 1 |") == true)
        r = try p.proj("extract", "bundles/demo-1.0.0.tar", "out")
        #expect(r.code == 2)
        #expect(r.err.hasSuffix("/out already exists and is not an empty directory; extract into a new one\n"))
    }
}

/// Every file and directory under `root`, relative and sorted.
func listing(_ root: String) -> [String] {
    ((FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []).filter { !$0.hasPrefix(".") }.sorted()
}
