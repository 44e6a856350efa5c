import Foundation
import Testing
@testable import YAML

@Suite struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.Failure) -> Value { try JSONParser.parse(Array(text.utf8)) }

    func failure(_ text: String) -> JSONParser.Failure? {
        do { _ = try parse(text); return nil } catch { return error }
    }

    @Test func readsEveryKindOfValueKeepingKeyOrder() throws {
        let v = try parse(#" {"b": [1, -2, 3.5, -0.25e2, 1E3, true, false, null], "a": "x\"\\\/\n\u00e9\ud83d\ude00", "c": {}} "#)
        #expect(v == .map([
            .init("b", .list([.int(1), .int(-2), .double(3.5), .double(-25), .double(1000), .bool(true), .bool(false), .null])),
            .init("a", .string("x\"\\/\né😀")),
            .init("c", .map([])),
        ]))
    }

    @Test func numbersAreTheCorrectlyRoundedDoubles() throws {
        // The fast path (15 digits, powers of ten up to 22) and the full conversion must agree with Double(text).
        var generator = SystemRandomNumberGenerator()
        var texts = ["0.1", "0.2", "0.30000000000000004", "1e22", "1e23", "9007199254740993.0", "123456789012345.6", "1234567890123456.7",
                     "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "-0.0", "0.000001", "5e-22", "5e-23", "0.1e1", "100e-2"]
        for _ in 0..<20_000 {
            let mantissa = UInt64.random(in: 0...999_999_999_999_999_999, using: &generator) >> UInt64.random(in: 0...60, using: &generator)
            let digits = String(mantissa)
            let point = Int.random(in: 0...digits.count, using: &generator)
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if text.hasPrefix(".") { text = "0" + text }
            if text.hasSuffix(".") { text += "0" }
            if Bool.random(using: &generator) { text += "e" + String(Int.random(in: -30...30, using: &generator)) }
            texts.append(Bool.random(using: &generator) ? "-" + text : text)
        }
        for text in texts {
            // Leading zeros are not JSON: "00.5" is refused; Double accepts it, so such texts are skipped.
            if text.hasPrefix("00") || text.hasPrefix("-00") { continue }
            let v = try parse(text)
            guard case .double(let d) = v else { Issue.record("\(text) read as \(v)"); continue }
            #expect(d.bitPattern == Double(text)!.bitPattern, "\(text): \(d) vs \(Double(text)!)")
        }
        #expect(try parse("9223372036854775807") == .int(.max))
        #expect(try parse("-9223372036854775808") == .int(.min))
        #expect(try parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try parse("-0") == .int(0))
    }

    @Test func repeatedRowsShareKeysButDuplicatesAreStillRefused() throws {
        let rows = (0..<50).map { #"{"a": \#($0), "b": "x", "c": null}"# }.joined(separator: ",")
        let v = try parse("[\(rows)]")
        guard case .list(let items) = v else { Issue.record("not a list"); return }
        #expect(items.count == 50 && items.last == .map([.init("a", .int(49)), .init("b", .string("x")), .init("c", .null)]))

        // A duplicate after rows with the same keys, in each position; a key spelled with an escape is the same key.
        for bad in [#"{"a": 1, "b": 2, "a": 3}"#, #"{"a": 1, "b": 2, "c": 3, "c": 4}"#, #"{"b": 1, "a": 2, "b": 3}"#, #"{"a": 1, "\u0061": 2}"#,
                    #"{"a": 1, "b": 2, "c": 3, "d": 4, "a": 5}"#] {
            let text = "[\(rows), \(bad)]"
            let error = failure(text)
            #expect(error?.reason.hasPrefix("duplicate key") == true, "\(bad): \(String(describing: error))")
        }
        // Rows with other key orders and lengths read as written.
        let mixed = try parse(#"[{"a": 1, "b": 2}, {"b": 3, "a": 4}, {"a": 5}, {"a": 6, "b": 7, "c": 8}, {"a\u0062": 9}]"#)
        #expect(mixed == .list([
            .map([.init("a", .int(1)), .init("b", .int(2))]), .map([.init("b", .int(3)), .init("a", .int(4))]), .map([.init("a", .int(5))]),
            .map([.init("a", .int(6)), .init("b", .int(7)), .init("c", .int(8))]), .map([.init("ab", .int(9))]),
        ]))
    }

    @Test func expectedKeysSpeedRowsButDuplicatesAreStillRefused() throws {
        let expected = try #require(JSONParser.ExpectedKeys(["a", "b", "c"]))
        #expect(JSONParser.ExpectedKeys(["a", "b", "a"]) == nil)
        func parse(_ text: String) throws(JSONParser.Failure) -> Value { try JSONParser.parse(Array(text.utf8), expected: expected) }
        // In order, out of order, fewer and other keys: each read as written, at any depth.
        #expect(try parse(#"{"instances": [{"a": 1, "b": 2, "c": 3}]}"#) == .map([.init("instances", .list([.map([.init("a", .int(1)), .init("b", .int(2)), .init("c", .int(3))])]))]))
        #expect(try parse(#"{"c": 1, "a": 2}"#) == .map([.init("c", .int(1)), .init("a", .int(2))]))
        #expect(try parse(#"[{"a": 1, "x": 2}, {"a": 3, "b": 4, "c": 5}]"#)
                == .list([.map([.init("a", .int(1)), .init("x", .int(2))]), .map([.init("a", .int(3)), .init("b", .int(4)), .init("c", .int(5))])]))
        // A key repeated after the expected ones, or among them, in the first object read.
        for bad in [#"{"a": 1, "b": 2, "c": 3, "a": 4}"#, #"{"a": 1, "b": 2, "b": 3}"#, #"{"a": 1, "a": 2}"#, #"[{"a": 1, "b": 2, "c": 3, "c": 4}]"#] {
            do {
                _ = try parse(bad)
                Issue.record("read \(bad)")
            } catch { #expect(error.reason.hasPrefix("duplicate key"), "\(bad): \(error)") }
        }
    }

    /// Python's `json` writes NaN and the infinities as bare words; they are read only when asked for, and
    /// only as written (case and spelling), in both readers.
    @Test func nonFiniteNumbersAreReadOnlyWhenAskedFor() throws {
        let text = #"{"instances": [{"a": NaN, "b": Infinity, "c": -Infinity}]}"#
        #expect(failure(text)?.reason == "unexpected 'N'")
        let v = try JSONParser.parse(Array(text.utf8), nonFinite: true)
        guard case .map(let top) = v, case .list(let rows) = top[0].value, case .map(let row) = rows[0],
              case .double(let nan) = row[0].value, case .double(let inf) = row[1].value, case .double(let negative) = row[2].value else {
            Issue.record("\(v)"); return
        }
        #expect(nan.isNaN && inf == .infinity && negative == -.infinity)
        for bad in ["nan", "NAN", "Inf", "-Inf", "-infinity", "NaNa", "[NaN", "- Infinity", "+Infinity"] {
            #expect(throws: JSONParser.Failure.self, "\(bad)") { try JSONParser.parse(Array(bad.utf8), nonFinite: true) }
        }
    }

    @Test func badInputIsRefusedAtItsByteOffset() {
        let cases: [(String, Int, String)] = [
            ("", 0, "unexpected end of input"),
            ("{\"a\": 1,}", 8, "expected a string key"),
            ("[1, 2", 5, "unexpected end of input in an array"),
            ("{\"a\" 1}", 5, "expected ':' after a key"),
            ("01", 0, "leading zeros are not allowed"),
            ("1.", 2, "a fraction needs digits"),
            ("1e", 2, "an exponent needs digits"),
            ("\"a\u{01}\"", 2, "control character in a string"),
            ("\"\\x\"", 3, "unknown escape"),
            ("\"\\ud800\"", 7, "unpaired surrogate"),
            ("[1] x", 4, "unexpected 'x' after the value"),
            ("tru", 0, "unexpected 't'"),
            ("1e400", 0, "number 1e400 is out of range"),
            (String(repeating: "[", count: 65) + String(repeating: "]", count: 65), 64, "nested deeper than 64 levels"),
        ]
        for (text, offset, reason) in cases {
            let error = failure(text)
            #expect(error?.offset == offset && error?.reason.hasPrefix(reason) == true, "\(text.debugDescription): \(String(describing: error))")
        }
        #expect(failure("\"\u{00e9}\"") == nil)
        do { _ = try JSONParser.parse([0x22, 0xff, 0x22]); Issue.record("invalid UTF-8 read") } catch { #expect(error.reason == "a string is not valid UTF-8") }
    }
}

extension Value {
    var isNaNDouble: Bool { if case .double(let d) = self { return d.isNaN } else { return false } }
}
