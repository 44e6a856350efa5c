/// One value as the run history stores it, in either database.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    init(_ value: Int64?) { self = value.map(SQLValue.integer) ?? .null }
    init(_ value: Int) { self = .integer(Int64(value)) }
    init(_ value: Int32) { self = .integer(Int64(value)) }
    init(_ value: Double) { self = .real(value) }
    init(_ value: Double?) { self = value.map(SQLValue.real) ?? .null }
    init(_ value: Bool?) { self = value.map { .integer($0 ? 1 : 0) } ?? .null }
}

/// A value a row's column reads as. Reading is lenient (a number stored as text reads as the number), since a
/// history written by hand or damaged must be named, not crash the reader.
public protocol SQLReadable {
    init?(sql: SQLValue)
}

extension String: SQLReadable {
    public init?(sql: SQLValue) {
        switch sql {
        case .null: return nil
        case .integer(let i): self = String(i)
        case .real(let d): self = String(d)
        case .text(let s): self = s
        }
    }
}

extension Int64: SQLReadable {
    public init?(sql: SQLValue) {
        switch sql {
        case .integer(let i): self = i
        case .real(let d): guard let i = Int64(exactly: d.rounded()) else { return nil }; self = i
        case .text(let s): guard let i = Int64(s) else { return nil }; self = i
        case .null: return nil
        }
    }
}

extension Int: SQLReadable {
    public init?(sql: SQLValue) { guard let i = Int64(sql: sql) else { return nil }; self = Int(truncatingIfNeeded: i) }
}

extension Int32: SQLReadable {
    public init?(sql: SQLValue) { guard let i = Int64(sql: sql) else { return nil }; self = Int32(truncatingIfNeeded: i) }
}

extension Double: SQLReadable {
    public init?(sql: SQLValue) {
        switch sql {
        case .integer(let i): self = Double(i)
        case .real(let d): self = d
        case .text(let s): guard let d = Double(s) else { return nil }; self = d
        case .null: return nil
        }
    }
}

extension Bool: SQLReadable {
    public init?(sql: SQLValue) { guard let i = Int64(sql: sql) else { return nil }; self = i != 0 }
}

/// One row of a query's result, its columns by name.
public struct SQLRow: Sendable {
    let columns: [String: Int]
    let values: [SQLValue]

    init(columns: [String: Int], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public func value(_ column: String) -> SQLValue { columns[column].map { values[$0] } ?? .null }

    /// The column's value; nil when NULL, missing or not readable as `T`.
    public subscript<T: SQLReadable>(_ column: String) -> T? { T(sql: value(column)) }

    /// The column's value; a NOT NULL column read as NULL (a damaged row) gives `fallback`.
    public subscript<T: SQLReadable>(_ column: String, or fallback: T) -> T { T(sql: value(column)) ?? fallback }
}

/// Where the history's SQL runs: one connection, inside a read or a write transaction. `?` marks a
/// parameter in either database.
public protocol SQLSession {
    func execute(_ sql: String, _ arguments: [SQLValue]) throws
    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
}

extension SQLSession {
    func row(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLRow? { try rows(sql, arguments).first }

    func execute(_ sql: String) throws { try execute(sql, []) }
}

/// The database a run history lives in: SQLite (the default, a file under `.proj/`) or PostgreSQL
/// (several machines writing one history). Writes are transactions: all of a body lands, or none.
public protocol HistoryDatabase: Sendable {
    /// Where the history is, for messages (a PostgreSQL URL without its password).
    var location: String { get }
    func read<T>(_ body: (any SQLSession) throws -> T) throws(TrackingError) -> T
    func write<T>(_ body: (any SQLSession) throws -> T) throws(TrackingError) -> T
}
