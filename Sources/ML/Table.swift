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
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return rows.map { $0.map(field).joined(separator: ",") + "\n" }.joined()
    }

    /// Writes the table to `path`, creating parent directories.
    public func write(_ path: String) throws(MLError) {
        try Steps.write(Data(csv.utf8), to: path)
    }
}

/// The numeric features and 0/1 labels of a table, for a binary classifier.
public struct Dataset: Sendable {
    public var features: [Float]
    public var columns: [String]
    public var labels: [Float]
    public var rows: Int { labels.count }

    /// Every column but `target` and `exclude` becomes a feature; `positive` is label 1, `negative` label 0.
    public static func from(_ table: Table, path: String, target: String, positive: String, negative: String,
                            exclude: [String], columns wanted: [String]? = nil) throws(MLError) -> Dataset {
        let labels = try Target(column: target, positive: positive, negative: negative).labels(table, path: path)
        let names = wanted ?? table.header.filter { $0 != target && !exclude.contains($0) }
        return Dataset(features: try numbers(table, path: path, columns: names), columns: names, labels: labels)
    }
}
