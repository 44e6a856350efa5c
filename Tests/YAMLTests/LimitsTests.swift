import Testing
@testable import YAML

/// Hostile YAML: deep nesting, alias expansion, many keys.
@Suite struct LimitsTests {
    func headline(_ text: String, _ limits: YAMLLimits = .standard) -> String {
        do {
            _ = try YAMLParser.parse(text, file: "x.yaml", limits: limits)
            return "parsed"
        } catch {
            return error.headline
        }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        // 100,000 nested flow sequences recursed once per level and crashed the process.
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(headline(deep) == "x.yaml:1:257: nested deeper than 256 levels")
        #expect(headline(deep, .untrusted) == "x.yaml:1:65: nested deeper than 64 levels")
        let mappings = (0..<300).map { String(repeating: "  ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1\n"
        #expect(headline(mappings) == "x.yaml:257:513: nested deeper than 256 levels")
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(headline(ok, .untrusted) == "parsed")
    }

    @Test func aliasExpansionIsBoundedByWhatItRepeats() {
        // Each level repeats the one before nine times: 9^9 nodes from a few hundred bytes.
        var lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
        for level in 1..<9 {
            let refs = Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("l\(level): &l\(level) [\(refs)]")
        }
        lines[0] = "l0: &l0 [x, x, x, x, x, x, x, x, x]"
        let laughs = lines.joined(separator: "\n") + "\n"
        #expect(laughs.utf8.count < 600)
        #expect(headline(laughs).hasSuffix("holds more than 2000000 nodes (aliases counted as what they repeat); refusing it"))
        #expect(headline(laughs, .untrusted) == "x.yaml:2:10: aliases (*l0) are not allowed in this file")
        // A few ordinary anchors are fine where they are allowed.
        let small = "base: &b {x: 1}\nuse: *b\nmerged:\n  <<: *b\n  y: 2\n"
        #expect(headline(small) == "parsed")
        #expect(headline(small, .untrusted) == "x.yaml:2:6: aliases (*b) are not allowed in this file")
    }

    @Test func duplicateKeysAreFoundAmongManyKeys() {
        var text = (0..<50_000).map { "k\($0): \($0)" }.joined(separator: "\n")
        text += "\nk49999: again\n"
        #expect(headline(text) == "x.yaml:50001:1: duplicate key 'k49999'")
    }
}
