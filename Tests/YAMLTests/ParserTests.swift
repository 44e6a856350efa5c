import Testing
@testable import YAML

@Suite struct ParserTests {
    @Test func parsesMappingsWithMarks() throws {
        let text = "stages:\n  train:\n    cmd: echo hi\n    deps: [a.csv, b.csv]\n"
        let root = try #require(try YAMLParser.parse(text, file: "project.yaml"))
        let train = try #require(root["stages"]?["train"])
        #expect(train["cmd"]?.scalar?.text == "echo hi")
        #expect(train["cmd"]?.start == Mark(line: 3, column: 10))
        #expect(train["deps"]?.sequence?.map { $0.scalar?.text } == ["a.csv", "b.csv"])
    }

    @Test func syntaxErrorNamesFileLineColumnWithCaret() {
        let text = "stages:\n  train:\n    cmd: echo \"a\": b\n"
        #expect(throws: SourceError.self) { try YAMLParser.parse(text, file: "project.yaml") }
        do {
            _ = try YAMLParser.parse("a: [1, 2\nb: 3\n", file: "p.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.headline.hasPrefix("p.yaml:"))
            #expect(error.description.split(separator: "\n").count == 3)
            #expect(error.description.hasSuffix("^"))
        }
    }

    @Test func duplicateKeyIsAnError() {
        do {
            _ = try YAMLParser.parse("a: 1\nb: 2\na: 3\n", file: "x.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.headline == "x.yaml:3:1: duplicate key 'a'")
        }
    }

    @Test func scalarsResolveByCoreSchema() throws {
        let root = try #require(try YAMLParser.parse("a: 1\nb: 1.5\nc: true\nd: '1'\ne: ~\nf: abc\ng: 1e-3\n", file: "x"))
        #expect(root.value == .map([.init("a", .int(1)), .init("b", .double(1.5)), .init("c", .bool(true)),
                                    .init("d", .string("1")), .init("e", .null), .init("f", .string("abc")), .init("g", .double(0.001))]))
    }

    @Test func emptyDocumentIsNil() throws {
        #expect(try YAMLParser.parse("", file: "x") == nil)
        #expect(try YAMLParser.parse("# only a comment\n", file: "x") == nil)
    }

    @Test func anchorsAndAliases() throws {
        let root = try #require(try YAMLParser.parse("base: &b {x: 1}\nother: *b\n", file: "x"))
        #expect(root["other"]?.value == .map([.init("x", .int(1))]))
    }
}

@Suite struct EmitterTests {
    @Test func sortedBlockWithFlowLeaves() {
        let value = Value.map([
            .init("zeta", .int(1)),
            .init("files", .map([.init("b.csv", .map([.init("size", .int(3)), .init("sha256", .string("ab"))]))])),
            .init("alpha", .string("x y")),
        ])
        #expect(YAMLEmitter.emit(value, flowDepth: 2) == "alpha: x y\nfiles:\n  b.csv: {sha256: ab, size: 3}\nzeta: 1\n")
    }

    @Test func quotesStringsThatWouldChangeType() {
        #expect(YAMLEmitter.string("true") == "\"true\"")
        #expect(YAMLEmitter.string("12") == "\"12\"")
        #expect(YAMLEmitter.string("") == "\"\"")
        #expect(YAMLEmitter.string("a: b") == "\"a: b\"")
        #expect(YAMLEmitter.string("line\nbreak") == "\"line\\nbreak\"")
        #expect(YAMLEmitter.string("- x") == "\"- x\"")
        #expect(YAMLEmitter.string("data/x.csv") == "data/x.csv")
        #expect(YAMLEmitter.inline(.double(6)) == "6.0")
        #expect(YAMLEmitter.inline(.double(0.1)) == "0.1")
    }

    @Test func roundTrips() throws {
        let value = Value.map([
            .init("s", .string("he said \"hi\" # not a comment")), .init("n", .null), .init("l", .list([.int(1), .string("two"), .bool(false)])),
            .init("nested", .map([.init("k", .double(2.5)), .init("empty", .map([])), .init("t", .string("\t"))])),
        ])
        for depth in [1, 2, Int.max] {
            let text = YAMLEmitter.emit(value, sortKeys: false, flowDepth: depth)
            let back = try #require(try YAMLParser.parse(text, file: "x")).value
            #expect(back == value, "flowDepth \(depth): \(text)")
        }
    }
}
