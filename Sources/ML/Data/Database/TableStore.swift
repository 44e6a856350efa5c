import Foundation
import PostgresClient
import Tabular

/// The SQL type a CSV column gets: INTEGER when every non-empty cell is an integer, REAL when every one is
/// a number, TEXT otherwise.
enum ColumnKind: Sendable {
    case integer, real, text

    static func infer(_ table: Table, column: Int) -> ColumnKind {
        var kind = ColumnKind.integer
        for row in table.rows where !row[column].isEmpty {
            let cell = row[column]
            if kind == .integer, Int64(cell) != nil { continue }
            if let d = Double(cell), d.isFinite { kind = .real; continue }
            return .text
        }
        return kind
    }

    /// A real in its shortest round-trip form, as Python writes it ("8.0", "0.25", "1e-05"), so a CSV
    /// written by pandas reads back from the database as the same text.
    static func text(_ d: Double) -> String { String(d) }
}

/// Where `proj ml load-db` writes a table and `proj ml read-db` reads it: SQLite (`sqlite:PATH`, the
/// embedded default) or PostgreSQL (`postgres://` or `postgresql://` URLs, as libpq takes them).
public enum Database: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    public static func parse(_ text: String) throws(MLError) -> Database {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") { return .postgres(url: text) }
        if text.hasPrefix("sqlite://") { return .sqlite(path: String(text.dropFirst("sqlite://".count))) }
        if text.hasPrefix("sqlite:") { return .sqlite(path: String(text.dropFirst("sqlite:".count))) }
        throw MLError("unknown database '\(text)': use sqlite:PATH or postgres://USER@HOST:PORT/DB")
    }

    /// The database for messages: a PostgreSQL URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:" + path
        case .postgres(let url): return PostgresConnection.redacted(url)
        }
    }

    /// `body`, PostgreSQL's errors said as this module's.
    static func worded<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as PostgresError { throw MLError(error.message) }
    }

    /// A table name: letters, digits and underscores, not starting with a digit.
    static func checkName(_ table: String) throws(MLError) {
        guard let first = table.unicodeScalars.first, first == "_" || (first.properties.isAlphabetic && first.isASCII),
              table.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }),
              table.count <= 63 else {
            throw MLError("table name '\(table)' must be letters, digits and underscores (not starting with a digit), at most 63")
        }
    }

    static func quote(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// Replaces `table` with the CSV file's rows, in one transaction: a failure leaves the old table as it was.
    public func load(csv path: String, table: String) throws -> Int {
        try Database.checkName(table)
        let data = try Table.read(path)
        let kinds = data.header.indices.map { ColumnKind.infer(data, column: $0) }
        let name = Database.quote(table)
        switch self {
        case .sqlite(let file):
            let db = try SQLiteConnection(path: file, create: true)
            let columns = zip(data.header, kinds).map { Database.quote($0) + " " + ["INTEGER", "REAL", "TEXT"][[ColumnKind.integer, .real, .text].firstIndex(of: $1)!] }
            try db.execute("BEGIN IMMEDIATE")
            do {
                try db.execute("DROP TABLE IF EXISTS \(name)")
                try db.execute("CREATE TABLE \(name) (\(columns.joined(separator: ", ")))")
                try db.insert("INSERT INTO \(name) VALUES (\(Array(repeating: "?", count: kinds.count).joined(separator: ", ")))", rows: data.rows, types: kinds)
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        case .postgres(let url): try Database.worded {
            let db = try PostgresConnection(url: url)
            let columns = zip(data.header, kinds).map { Database.quote($0) + " " + ["BIGINT", "DOUBLE PRECISION", "TEXT"][[ColumnKind.integer, .real, .text].firstIndex(of: $1)!] }
            try db.execute("BEGIN")
            do {
                try db.execute("DROP TABLE IF EXISTS \(name)")
                try db.execute("CREATE TABLE \(name) (\(columns.joined(separator: ", ")))")
                // Empty cells load as NULL (CSV's unquoted empty string), quoted empty strings stay empty text.
                try db.copyIn("COPY \(name) FROM STDIN WITH (FORMAT csv)", csv: Table.csvLines(data.rows))
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
        }
        return data.rows.count
    }

    /// Reads `table` into a CSV file (atomically). Rows are sorted byte-wise, so the same table content gives
    /// the same file whatever order the database returns it in.
    public func read(table: String, to path: String) throws -> Int {
        try Database.checkName(table)
        let name = Database.quote(table)
        var result: Table
        switch self {
        case .sqlite(let file):
            guard FileManager.default.fileExists(atPath: file) else { throw MLError("no SQLite database at \(file)") }
            let db = try SQLiteConnection(path: file, create: false)
            let (header, rows) = try db.query("SELECT * FROM \(name)")
            result = Table(header: header, rows: rows)
        case .postgres(let url): result = try Database.worded {
            let db = try PostgresConnection(url: url)
            let text = try db.copyOut("COPY (SELECT * FROM \(name)) TO STDOUT WITH (FORMAT csv, HEADER)")
            let header: [String], rows: [[String]]
            do { (header, rows) = try CSVRows.read(text) } catch { throw MLError("table \(name) as CSV: \(error)") }
            // Floating-point columns are re-printed as SQLite's are (PostgreSQL writes 8.0 as "8").
            let types = try CSVRows.read(db.copyOut("""
                COPY (SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '\(table)'
                ORDER BY ordinal_position) TO STDOUT WITH (FORMAT csv, HEADER)
                """)).rows.map { $0.first ?? "" }
            let floating = Set(types.indices.filter { ["double precision", "real"].contains(types[$0]) })
            return Table(header: header, rows: rows.map { row in
                row.enumerated().map { k, cell in floating.contains(k) ? Double(cell).map(ColumnKind.text) ?? cell : cell }
            })
        }
        }
        guard !result.rows.isEmpty else { throw MLError("table \(table) is empty") }
        result.rows.sort { $0.lexicographicallyPrecedes($1) { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }
        try result.write(path)
        return result.rows.count
    }
}
