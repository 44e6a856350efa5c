import Tabular
import Testing
@testable import YAML

/// `JSONParser.rows`, the reader for batches in the usual shape: the same cells `parse` gives, and nil (so
/// the caller parses in full and names the problem) for everything else; and the compact writer of answers.
@Suite struct JSONRowsTests {
    let columns = JSONParser.ExpectedKeys(["a", "b", "c"])!

    @Test func nonFiniteCellsAreReadOnlyWhenAskedFor() throws {
        let text = #"{"instances": [{"a": NaN, "b": Infinity, "c": -Infinity}]}"#
        let quick = try #require(JSONParser.rows(Array(text.utf8), columns: columns, maxRows: 10, nonFinite: true))
        guard case .double(let nan) = quick.cells[0] else { Issue.record("\(quick.cells)"); return }
        #expect(quick.cells.count == 3 && nan.isNaN && quick.cells[1] == .double(.infinity) && quick.cells[2] == .double(-.infinity))
        #expect(JSONParser.rows(Array(text.utf8), columns: columns, maxRows: 10) == nil)
    }

    func rows(_ text: String, maxRows: Int = 100) -> JSONRows? { JSONParser.rows(Array(text.utf8), columns: columns, maxRows: maxRows) }

    /// The cells `parse` gives for a records document, in the columns' order.
    func parsedCells(_ text: String) throws -> [Value] {
        guard case .map(let top) = try JSONParser.parse(Array(text.utf8)), case .list(let items) = top[0].value else { return [] }
        return items.flatMap { item -> [Value] in
            guard case .map(let entries) = item else { return [] }
            return ["a", "b", "c"].map { key in entries.first { $0.key == key }!.value }
        }
    }

    @Test func recordsGiveTheCellsTheFullReaderGives() throws {
        let texts = [
            #"{"instances": [{"a": 1, "b": 2.5, "c": -3e2}, {"a": null, "b": true, "c": false}]}"#,
            " \n{ \"rows\" :[ {\"a\":0.1,\"b\":-0.0,\"c\":1E+3} ,{\"a\":123456789012345678901234567890,\"b\":1e-400,\"c\":\"x\\u00e9\"}]\t} ",
            #"{"instances": [{"a": 9007199254740993, "b": 1.7976931348623157e308, "c": 5e-324}]}"#,
        ]
        for text in texts {
            let got = try #require(rows(text), "\(text)")
            #expect(got.shape == .records)
            #expect(got.cells == (try parsedCells(text)), "\(text)")
            #expect(got.count == got.cells.count / 3)
        }
        #expect(rows(texts[0])?.key == "instances")
    }

    @Test func aSplitGivesItsDataRowByRow() throws {
        let split = #"{"dataframe_split": {"index": [0, 1], "columns": ["a", "b", "c"], "data": [[1, 2, 3], [4.5, null, -6]]}}"#
        let got = try #require(rows(split))
        #expect(got.key == "dataframe_split" && got.shape == .split && got.count == 2)
        #expect(got.cells == [.int(1), .int(2), .int(3), .double(4.5), .null, .int(-6)])
        // The index may come last, or not at all.
        #expect(rows(#"{"k": {"columns": ["a","b","c"], "data": [[1,2,3]], "index": [{"any": ["thing"]}]}}"#)?.count == 1)
        #expect(rows(#"{"k": {"columns": ["a","b","c"], "data": [[1,2,3]]}}"#)?.cells == [.int(1), .int(2), .int(3)])
    }

    @Test func anythingElseIsLeftToTheFullReader() {
        let others = [
            #"{"instances": [{"b": 1, "a": 2, "c": 3}]}"#,  // another order
            #"{"instances": [{"a": 1, "b": 2}]}"#,  // a column missing
            #"{"instances": [{"a": 1, "b": 2, "c": 3, "d": 4}]}"#,  // one too many
            #"{"instances": [{"\u0061": 1, "b": 2, "c": 3}]}"#,  // a key written with an escape
            #"{"instances": [{"a": [1], "b": 2, "c": 3}]}"#,  // a list as a cell
            #"{"instances": [{"a": {}, "b": 2, "c": 3}]}"#,  // an object as a cell
            #"{"instances": [{"a": 1, "b": 2, "c": 3}]} x"#,  // something after the document
            #"{"instances": [{"a": 01, "b": 2, "c": 3}]}"#,  // not JSON: a leading zero
            #"{"instances": [{"a": 1, "b": 2, "c": 3},]}"#,  // not JSON: a trailing comma
            #"{"instances": [{"a": 1, "b": 2, "c": "\x"}]}"#,  // not JSON: an unknown escape
            #"{"instances": [{"a": 1, "b": 2, "c": 3}], "params": {}}"#,  // two keys
            #"{"instances": []}"#,  // no rows
            #"{"instances": {"a": [1], "b": [2], "c": [3]}}"#,  // columns
            #"[{"a": 1, "b": 2, "c": 3}]"#,  // no key
            #"{"k": {"data": [[1, 2, 3]], "columns": ["a", "b", "c"]}}"#,  // data before columns
            #"{"k": {"columns": ["a", "b"], "data": [[1, 2]]}}"#,  // not every column
            #"{"k": {"columns": ["a", "b", "c"], "data": [[1, 2]]}}"#,  // a short row
            #"{"k": {"columns": ["a", "b", "c"], "columns": ["a", "b", "c"], "data": [[1, 2, 3]]}}"#,  // a repeated key
            #"{"k": {"columns": ["a", "b", "c"], "data": [[1, 2, 3]], "other": 1}}"#,  // an unknown key
            #"{"instances": [{"a": 1, "b": 2, "c": 3}"#,  // cut short
        ]
        for text in others { #expect(rows(text) == nil, "\(text)") }
        // More rows than allowed: the full reader says how many are.
        let three = #"{"instances": [{"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2, "c": 3}]}"#
        #expect(rows(three, maxRows: 3)?.count == 3)
        #expect(rows(three, maxRows: 2) == nil)
        // Columns whose names JSON must escape are never matched as written.
        let quoted = JSONParser.ExpectedKeys(["a\"b", "c"])!
        #expect(JSONParser.rows(Array(#"{"k": [{"a"b": 1, "c": 2}]}"#.utf8), columns: quoted, maxRows: 9) == nil)
    }

    @Test func aKeyHintIsNotMatchedByTextThatSpellsItOnlyUnescaped() throws {
        // The first row's key is a, backslash, b; the second's raw bytes are the same but mean a, backspace.
        let v = try JSONParser.parse(Array(#"[{"a\\b": 1}, {"a\b": 2}]"#.utf8))
        guard case .list(let items) = v, case .map(let second) = items[1] else { Issue.record("\(v)"); return }
        #expect(second[0].key == "a\u{8}")
    }

    @Test func compactAnswersEscapeWhatTheyMustAndReadBack() throws {
        let value = Value.map([
            .init("plain", .string("phishing-detector")), .init("quote\"", .string("a\"b\\c")), .init("controls", .string("\n\t\u{1}\u{7F}")),
            .init("bom", .string("\u{FEFF}x")), .init("é😀", .string("ü")), .init("numbers", .list([.int(-3), .double(0.25), .double(2), .double(.nan), .null, .bool(true)])),
        ])
        let text = JSONEmitter.compact(value)
        #expect(text == #"{"plain":"phishing-detector","quote\"":"a\"b\\c","controls":"\n\t\u0001\u007F","bom":"\uFEFFx","é😀":"ü","numbers":[-3,0.25,2.0,null,null,true]}"# + "\n")
        #expect(JSONEmitter.compactBytes(value) == Array(text.utf8))
        guard case .map(let back) = try JSONParser.parse(Array(text.utf8)), case .map(let entries) = value else { Issue.record("\(text)"); return }
        #expect(back.prefix(5) == entries.prefix(5))
    }
}
