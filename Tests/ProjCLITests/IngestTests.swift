import Foundation
import Testing

/// `proj ml ingest` from each kind of source, through the real binary, and its refusals.
@Suite struct IngestTests {
    func project() throws -> TempProject {
        let lines = try String(contentsOfFile: MLPipelineTests.dataPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var p = try TempProject(["source/phish.csv": lines.prefix(301).joined(separator: "\n") + "\n"])
        p.environment = projEnvironment(p)
        return p
    }

    static let split = ["--target", "status", "--test-fraction", "0.25", "--seed", "3", "--raw", "data/raw.csv", "--train", "data/train.csv", "--test", "data/test.csv"]

    @Test func aLocalFileAPinnedFileAndATableGiveTheSameSplit() throws {
        let p = try project()
        var r = try p.proj(["ml", "ingest", "--source", "source/phish.csv"] + Self.split)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("not pinned"))
        #expect(r.out.contains("split data/raw.csv: 224 train rows -> data/train.csv, 76 test rows -> data/test.csv"))
        let train = p.read("data/train.csv"), test = p.read("data/test.csv")
        #expect(p.read("data/raw.csv") == p.read("source/phish.csv"))

        let sha = try sha256(p.root + "/source/phish.csv")
        r = try p.proj(["ml", "ingest", "--source", "https://127.0.0.1:9/absent.csv", "--mirror", "source/phish.csv", "--sha256", sha] + Self.split)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("from source/phish.csv"), "\(r.out)")
        #expect(r.err.contains("https://127.0.0.1:9/absent.csv failed"))
        // The second time it comes from the cache: no mirror is asked.
        r = try p.proj(["ml", "ingest", "--source", "https://127.0.0.1:9/absent.csv", "--sha256", sha] + Self.split)
        #expect(r.code == 0 && r.out.contains("from the cache"), "\(r.out)\(r.err)")
        #expect(p.read("data/train.csv") == train && p.read("data/test.csv") == test)

        r = try p.proj("ml", "load-db", "--input", "source/phish.csv", "--db", "sqlite:source/phish.db", "--table", "urls")
        #expect(r.code == 0, "\(r.err)")
        r = try p.proj(["ml", "ingest", "--source", "sqlite:source/phish.db", "--table", "urls"] + Self.split)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("data/raw.csv: 300 rows of table urls from sqlite:source/phish.db"))
        #expect(r.out.contains("224 train rows"))
    }

    @Test(arguments: [
        (["--source", "https://example.invalid/phish.csv"], "is fetched over the network, so it must be pinned: pass --sha256"),
        (["--source", "sqlite:source/phish.db"], "the source sqlite:source/phish.db is a database: name its table with --table"),
        (["--source", "postgres://proj:secret@127.0.0.1:9/db"], "the source postgres://proj:***@127.0.0.1:9/db is a database"),
        (["--source", "source/phish.csv", "--table", "urls"], "--table applies to a database source"),
        (["--source", "source/phish.csv", "--mirror", "other.csv"], "--mirror needs --sha256"),
        (["--source", "source/absent.csv"], "cannot read the source source/absent.csv"),
        (["--source", "source/phish.csv", "--sha256", String(repeating: "0", count: 64)], "no mirror served the pinned file"),
    ])
    func badSourcesAreRefusedAndWriteNothing(args: [String], message: String) throws {
        let p = try project()
        let r = try p.proj(["ml", "ingest"] + args + Self.split)
        #expect(r.code == 1)
        #expect(r.err.contains(message), "\(r.err)")
        #expect(!r.err.contains("secret"))
        #expect(!p.exists("data"))
    }

    @Test func aSourceWithoutTheTargetColumnLeavesNoSplit() throws {
        let p = try project()
        let r = try p.proj(["ml", "ingest", "--source", "source/phish.csv"] + Self.split.map { $0 == "status" ? "label" : $0 })
        #expect(r.code == 1)
        #expect(r.err.contains("no column 'label'"), "\(r.err)")
        #expect(!p.exists("data/train.csv") && !p.exists("data/test.csv"))
    }
}
