import Foundation
import Tabular

/// A CSV file as text cells: a header and rows of equal width.
public struct Table: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// Reads a CSV file; every row must have as many fields as the header.
    public static func read(_ path: String) throws(MLError) -> Table {
        guard let data = FileManager.default.contents(atPath: path) else { throw MLError("cannot read \(path)") }
        guard !data.isEmpty else { throw MLError("\(path) is empty: expected a CSV header and rows") }
        let header: [String], rows: [[String]]
        do { (header, rows) = try CSVRows.parse([UInt8](data)) } catch { throw MLError("\(path): \(error)") }
        guard !header.isEmpty else { throw MLError("\(path) has no header") }
        guard !rows.isEmpty else { throw MLError("\(path) has a header but no rows") }
        for (i, row) in rows.enumerated() where row.count != header.count {
            throw MLError("\(path): row \(i + 2) has \(row.count) fields, the header has \(header.count)")
        }
        return Table(header: header, rows: rows)
    }

    /// The position of column `name`.
    public func column(_ name: String, in path: String) throws(MLError) -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw MLError("\(path) has no column '\(name)' (columns: \(header.prefix(8).joined(separator: ", "))\(header.count > 8 ? ", ..." : ""))")
        }
        return i
    }

    /// The CSV text (fields quoted when they hold a comma, quote or line break).
    public var csv: String { Table.csvLines([header] + rows) }

    /// CSV lines of `rows`, no header.
    static func csvLines(_ rows: [[String]]) -> String {
        rows.map { $0.map(CSVRows.field).joined(separator: ",") + "\n" }.joined()
    }

    /// Writes the table to `path`, creating parent directories.
    public func write(_ path: String) throws(MLError) {
        try Steps.write(Data(csv.utf8), to: path)
    }
}

