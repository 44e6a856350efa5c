@testable import Bundle
import Fingerprint
import Foundation
import ProjectModel
import Tabular
import Testing
import YAML

@Suite struct FormatTests {
    @Test func manifestRoundTripsAndItsTextIsCanonical() throws {
        let dir = try temporaryDirectory("manifest")
        let manifest = try makeBundle(at: dir + "/a.tar")
        let parsed = try Manifest.parse(manifest.document)
        #expect(parsed.files == manifest.files)
        #expect(parsed.document == manifest.document)
        let text = String(decoding: manifest.document, as: UTF8.self)
        #expect(text.hasPrefix("format: 1\nname: demo\nversion: 1.0.0\nflavor: linear\nentry: model/weights.bin\n"))
        #expect(text.contains("\n  model/weights.bin: {sha256: "))
    }

    @Test func unknownFormatVersionsAreRefused() throws {
        let body = "format: 2\nname: x\nversion: 1.0.0\nflavor: linear\nentry: m\nfiles:\n  m: {sha256: \(String(repeating: "0", count: 64)), size: 0}\n"
        let bytes = Array((body + "manifest_sha256: " + Fingerprint_sha(body) + "\n").utf8)
        #expect(throws: BundleError.self) { try Manifest.parse(bytes) }
        do { _ = try Manifest.parse(bytes) } catch {
            #expect(error.description == "bundle.yaml: bundle format 2 is not known to this proj (it reads 1); upgrade proj")
        }
    }

    @Test func schemaErrorsPointAtTheLine() {
        func message(_ text: String) -> String {
            do { _ = try Schema.parse(text, file: "schema.yaml"); return "parsed" } catch { return error.headline }
        }
        #expect(message("input:\n  - {name: a, type: strng}\noutput:\n  - {name: b, type: int}\n")
                == "schema.yaml:2:21: unknown type 'strng' for column 'a'; expected one of string, int, double, bool")
        #expect(message("input:\n  - {name: a, type: int}\n  - {name: a, type: int}\noutput:\n  - {name: b, type: int}\n")
                == "schema.yaml:3:5: duplicate column 'a' in `input`")
        #expect(message("inputs: []\n") == "schema.yaml:1:1: unknown key 'inputs' (did you mean 'input'?); expected `input` and `output`")
        #expect(message("input:\n  - {name: a, type: int, min: 5, max: 1}\noutput:\n  - {name: b, type: int}\n")
                == "schema.yaml:2:5: column 'a': min 5.0 is above max 1.0")
    }

    @Test func versionsBumpAndRewriteKeepingComments() throws {
        let v = try #require(SemVer("1.2.3"))
        #expect(v.bumped(.patch).description == "1.2.4")
        #expect(v.bumped(.minor).description == "1.3.0")
        #expect(v.bumped(.major).description == "2.0.0")
        #expect(SemVer("1.2") == nil)
        #expect(SemVer("1.2.3-rc1")! < v)
        #expect(SemVer.rewrite("name: x\nversion: 1.2.3   # bundle version\nstages: {}\n", to: "1.2.4")
                == "name: x\nversion: 1.2.4   # bundle version\nstages: {}\n")
    }

    @Test func experimentVersionsFollowTheirRelease() throws {
        let digest = "3f2a9c1d" + String(repeating: "0", count: 56)
        #expect(SemVer.experiment(of: "0.7.0", content: digest) == "0.7.1-exp.3f2a9c1d")
        #expect(SemVer.experiment(of: "2.0.0-rc.1", content: digest) == "2.0.0-rc.1.exp.3f2a9c1d")
        #expect(SemVer.experiment(of: "1.0", content: digest) == "1.0-exp.3f2a9c1d")
        let release = try #require(SemVer("0.7.0")), experiment = try #require(SemVer("0.7.1-exp.3f2a9c1d")), next = try #require(SemVer("0.7.1"))
        #expect(release < experiment && experiment < next)
    }

    @Test func entryNamesThatCouldEscapeAreRejected() {
        #expect(Paths.problem("model/a.bin") == nil)
        #expect(Paths.problem("../a") != nil)
        #expect(Paths.problem("a/../../b") != nil)
        #expect(Paths.problem("/etc/passwd") != nil)
        #expect(Paths.problem("a//b") != nil)
        #expect(Paths.problem("./a") != nil)
        #expect(Paths.problem("a\\..\\b") != nil)
        #expect(Paths.problem("a\nb") != nil)
        #expect(Paths.problem("") != nil)
    }
}

func Fingerprint_sha(_ text: String) -> String {
    Fingerprint.Hex.sha256(Array(text.utf8))
}
