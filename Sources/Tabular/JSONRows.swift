import Foundation
import YAML

/// A batch of rows in the shape most clients send, read straight into its cells with no tree of objects:
/// `{"KEY": [{"a": 1, "b": 2}, ...]}` (records) or `{"KEY": {"columns": ["a", "b"], "data": [[1, 2], ...]}}`
/// (a data frame split, optionally with its `index`). See `JSONParser.rows`.
public struct JSONRows: Sendable {
    public enum Shape: Sendable { case records, split }

    /// The document's one key.
    public var key: String
    public var shape: Shape
    /// The cells row after row, each row in the expected columns' order; every cell is a scalar (null, a
    /// boolean, a number or a string).
    public var cells: [Value]
    /// How many rows.
    public var count: Int
}

extension JSONParser {
    /// The rows of `bytes` when the document is one key holding rows of exactly `columns`, in their order,
    /// each cell a scalar: as records (every object listing the columns in order, written plainly) or as a
    /// split whose `columns` are exactly them. Nil for any other document, valid or not, and for more than
    /// `maxRows` rows or none: the caller then reads it with `parse`, which gives any error. Cells are read
    /// by the same rules as `parse`, so both readers give the same values.
    public static func rows(_ bytes: [UInt8], columns: ExpectedKeys, maxRows: Int, nonFinite: Bool = false) -> JSONRows? {
        guard let plain = columns.plain else { return nil }
        var reader = JSONParser(bytes: bytes, maxDepth: 64, firstHint: [], nonFinite: nonFinite)
        return try? reader.rows(plain, maxRows: maxRows)
    }

    /// Thrown where the document leaves the shape `rows` reads.
    private struct OtherShape: Error {}

    private mutating func rows(_ columns: [[UInt8]], maxRows: Int) throws -> JSONRows? {
        skipSpace()
        try expect(UInt8(ascii: "{"))
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        let key = try string()
        skipSpace()
        try expect(UInt8(ascii: ":"))
        skipSpace()
        var rows = JSONRows(key: key, shape: .records, cells: [], count: 0)
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: "[") {
            try records(columns, maxRows: maxRows, into: &rows)
        } else {
            rows.shape = .split
            try split(columns, maxRows: maxRows, into: &rows)
        }
        skipSpace()
        try expect(UInt8(ascii: "}"))
        skipSpace()
        guard i == bytes.count, rows.count > 0 else { return nil }
        return rows
    }

    /// `[{...}, ...]`, every object listing `columns` in order.
    private mutating func records(_ columns: [[UInt8]], maxRows: Int, into rows: inout JSONRows) throws {
        try list { (parser: inout JSONParser) throws in
            try parser.expect(UInt8(ascii: "{"))
            for (k, column) in columns.enumerated() {
                parser.skipSpace()
                if k > 0 { try parser.expect(UInt8(ascii: ",")); parser.skipSpace() }
                guard parser.plain(column) else { throw OtherShape() }
                parser.skipSpace()
                try parser.expect(UInt8(ascii: ":"))
                parser.skipSpace()
                rows.cells.append(try parser.scalar())
            }
            parser.skipSpace()
            try parser.expect(UInt8(ascii: "}"))
            rows.count += 1
            guard rows.count <= maxRows else { throw OtherShape() }
        }
    }

    /// `{"columns": [...], "data": [[...], ...]}` with `columns` exactly, before `data`; `index` may come anywhere
    /// and is read but not kept.
    private mutating func split(_ columns: [[UInt8]], maxRows: Int, into rows: inout JSONRows) throws {
        try expect(UInt8(ascii: "{"))
        var seen: Set<String> = []
        repeat {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw OtherShape() }
            let key = try string()
            guard seen.insert(key).inserted else { throw OtherShape() }
            skipSpace()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            switch key {
            case "index":
                _ = try value(depth: 2)
            case "columns":
                var k = 0
                try list { (parser: inout JSONParser) throws in
                    guard k < columns.count, parser.plain(columns[k]) else { throw OtherShape() }
                    k += 1
                }
                guard k == columns.count else { throw OtherShape() }
            case "data":
                guard seen.contains("columns") else { throw OtherShape() }
                try list { (parser: inout JSONParser) throws in
                    try parser.expect(UInt8(ascii: "["))
                    for k in columns.indices {
                        parser.skipSpace()
                        if k > 0 { try parser.expect(UInt8(ascii: ",")); parser.skipSpace() }
                        rows.cells.append(try parser.scalar())
                    }
                    parser.skipSpace()
                    try parser.expect(UInt8(ascii: "]"))
                    rows.count += 1
                    guard rows.count <= maxRows else { throw OtherShape() }
                }
            default:
                throw OtherShape()
            }
            skipSpace()
        } while try next(UInt8(ascii: ","), else: UInt8(ascii: "}"))
        guard seen.contains("data") else { throw OtherShape() }
    }

    /// A non-empty list, `item` reading each element (from its first byte).
    private mutating func list(_ item: (inout JSONParser) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        repeat {
            skipSpace()
            try item(&self)
            skipSpace()
        } while try next(UInt8(ascii: ","), else: UInt8(ascii: "]"))
    }

    /// True past `more`, false past `end`; throws on anything else.
    private mutating func next(_ more: UInt8, else end: UInt8) throws -> Bool {
        guard i < bytes.count else { throw OtherShape() }
        if bytes[i] == more { i += 1; return true }
        try expect(end)
        return false
    }

    /// Past the string whose UTF-8 is `s` when it is written plainly here: quoted, with no escapes. (`s` holds
    /// no quote, backslash or control character: `ExpectedKeys.plain`.)
    private mutating func plain(_ s: [UInt8]) -> Bool {
        let end = i + 1 + s.count
        guard end < bytes.count, bytes[i] == UInt8(ascii: "\""), bytes[end] == UInt8(ascii: "\"") else { return false }
        let same = bytes.withUnsafeBufferPointer { b in s.withUnsafeBufferPointer { k in
            k.isEmpty || memcmp(b.baseAddress! + i + 1, k.baseAddress!, k.count) == 0
        } }
        guard same else { return false }
        i = end + 1
        return true
    }

    private mutating func expect(_ c: UInt8) throws {
        guard i < bytes.count, bytes[i] == c else { throw OtherShape() }
        i += 1
    }

    /// A cell: any value but an object or a list.
    private mutating func scalar() throws -> Value {
        guard i < bytes.count, bytes[i] != UInt8(ascii: "{"), bytes[i] != UInt8(ascii: "[") else { throw OtherShape() }
        return try value(depth: 2)
    }
}
