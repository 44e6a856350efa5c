@testable import Tabular
import Testing

/// The strict RFC 4180 reader: every way a lenient reader would guess is an error naming the line.
@Suite struct CSVRowsTests {
    func failure(_ bytes: [UInt8]) -> String {
        do {
            _ = try CSVRows.parse(bytes)
            return "parsed"
        } catch {
            return error.description
        }
    }

    func failure(_ text: String) -> String { failure(Array(text.utf8)) }

    @Test func wellFormedRecords() throws {
        let (header, rows) = try CSVRows.read("url,n\r\n\"http://a/x,y\",1\n\"say \"\"hi\"\"\",2\n\"two\nlines\",3")
        #expect(header == ["url", "n"])
        #expect(rows == [["http://a/x,y", "1"], ["say \"hi\"", "2"], ["two\nlines", "3"]])
        #expect(try CSVRows.parse([0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8)).header == ["a", "b"], "a BOM is skipped")
        #expect(try CSVRows.read("a,b\n1,\n").rows == [["1", ""]])
        #expect(try CSVRows.read("").header.isEmpty)
        #expect(try CSVRows.read("a\n1\n2\n", limit: 1).rows == [["1"]])
    }

    @Test func everyMalformationNamesItsLine() {
        #expect(failure("a,b\n1,\"open\n2,3\n") == "line 2: a quoted field opened on this line is never closed")
        #expect(failure("a,b\n1,x\"y\n") == "line 2: a quote inside an unquoted field (quote the whole field and double the quote)")
        #expect(failure("a,b\n\"x\"y,1\n") == "line 2: 'y' after a closing quote (expected ',' or the end of the line)")
        #expect(failure("a,b\n1,2\n\n3,4\n") == "line 3: blank line (a record needs at least one field; remove the line)")
        #expect(failure("a,b\n1,2\n\r\n") == "line 3: blank line (a record needs at least one field; remove the line)")
        #expect(failure("a,b,a\n1,2,3\n") == "line 1: the header repeats the column 'a'")
        #expect(failure("a,b\n1\n") == "line 2: 1 field, the header has 2")
        #expect(failure("a,b\n1,2,3\n") == "line 2: 3 fields, the header has 2")
        #expect(failure("a,b\n1\r2,3\n") == "line 2: a carriage return that does not end the line")
        #expect(failure(Array("a,b\n1,".utf8) + [0xFF, 0xFE] + Array("\n".utf8)) == "line 2: not valid UTF-8")
        #expect(failure("a,b\n\"x\ny\",1\n3,\"z") == "line 4: a quoted field opened on this line is never closed")
    }
}
