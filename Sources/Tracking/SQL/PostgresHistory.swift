import Foundation
import PostgresClient

/// A run history in PostgreSQL, so several machines write one history: one libpq connection per process,
/// used by one caller at a time. A write is a transaction, tried again when the server reports a
/// serialization failure or deadlock between machines; a connection the server dropped is opened again.
final class PostgresHistory: HistoryDatabase, @unchecked Sendable {
    let location: String
    private let connection: PostgresConnection
    /// Guards `connection` and `numbered` (libpq connections are not for two threads at once).
    private let lock = NSLock()
    private var numbered: [String: String] = [:]

    init(url: String) throws(TrackingError) {
        location = PostgresConnection.redacted(url)
        do { connection = try PostgresConnection(url: url) } catch { throw TrackingError.store("the run history: \(error.message)") }
        try migrate()
    }

    func read<T>(_ body: (any SQLSession) throws -> T) throws(TrackingError) -> T {
        try locked { () throws(TrackingError) -> T in
            try reconnectIfDown()
            return try worded { try body(Session(history: self)) }
        }
    }

    func write<T>(_ body: (any SQLSession) throws -> T) throws(TrackingError) -> T {
        try locked { () throws(TrackingError) -> T in
            try reconnectIfDown()
            var attempt = 0
            while true {
                attempt += 1
                do {
                    try connection.execute("BEGIN")
                    let result = try body(Session(history: self))
                    try connection.execute("COMMIT")
                    return result
                } catch {
                    try? connection.execute("ROLLBACK")
                    // 40001 serialization failure, 40P01 deadlock: another machine's write crossed this one.
                    if let failure = error as? PostgresError, ["40001", "40P01"].contains(failure.state ?? ""), attempt < 5 {
                        usleep(UInt32(20_000 * attempt))
                        continue
                    }
                    throw worded(error)
                }
            }
        }
    }

    private func locked<T>(_ body: () throws(TrackingError) -> T) throws(TrackingError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func reconnectIfDown() throws(TrackingError) {
        guard !connection.isUp else { return }
        do { try connection.reset() } catch { throw TrackingError.store("the run history: \(error.message)") }
    }

    private func worded<T>(_ body: () throws -> T) throws(TrackingError) -> T {
        do { return try body() } catch { throw worded(error) }
    }

    private func worded(_ error: any Error) -> TrackingError {
        if let error = error as? TrackingError { return error }
        if let error = error as? PostgresError { return .store("the run history \(location): \(error.message)") }
        return .store("the run history \(location): \(error)")
    }

    /// `sql` with its `?` parameters numbered as PostgreSQL wants them (`$1`, `$2` ...); a `?` inside quoted
    /// text stays as it is.
    private func postgresText(_ sql: String) -> String {
        if let known = numbered[sql] { return known }
        var out = "", n = 0, quoted = false
        for c in sql {
            if c == "'" { quoted.toggle() }
            if c == "?" && !quoted {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        numbered[sql] = out
        return out
    }

    /// The connection as a session (only made while the lock is held).
    struct Session: SQLSession {
        let history: PostgresHistory

        func execute(_ sql: String, _ arguments: [SQLValue]) throws {
            _ = try history.connection.query(history.postgresText(sql), try Session.text(arguments))
        }

        func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
            let result = try history.connection.query(history.postgresText(sql), try Session.text(arguments))
            var columns: [String: Int] = [:]
            for (i, name) in result.columns.enumerated() where columns[name] == nil { columns[name] = i }
            return result.rows.map { row in
                SQLRow(columns: columns, values: zip(row, result.kinds).map { cell, kind in
                    guard let cell else { return .null }
                    switch kind {
                    case .integer: return Int64(cell).map(SQLValue.integer) ?? .text(cell)
                    case .real: return Double(cell).map(SQLValue.real) ?? .text(cell)
                    case .boolean: return .integer(cell == "t" ? 1 : 0)
                    case .text: return .text(cell)
                    }
                })
            }
        }

        /// Parameters in PostgreSQL's text form. Text holding a NUL cannot be sent (nor stored) and is refused.
        static func text(_ values: [SQLValue]) throws(TrackingError) -> [String?] {
            try values.map { value throws(TrackingError) -> String? in
                switch value {
                case .null: return nil
                case .integer(let v): return String(v)
                case .real(let v): return "\(v)"
                case .text(let v):
                    guard !v.utf8.contains(0) else { throw TrackingError.invalid("'\(v.replacingOccurrences(of: "\0", with: "\\0"))' holds a NUL character, which PostgreSQL cannot store") }
                    return v
                }
            }
        }
    }

    /// Applies the migrations this database lacks, in one transaction under an advisory lock, so that two
    /// machines starting at once do not both create the tables.
    private func migrate() throws(TrackingError) {
        let migrations = HistorySchema.migrations
        try write { db in
            try db.execute("SELECT pg_advisory_xact_lock(7426115)")
            try db.execute("CREATE TABLE IF NOT EXISTS proj_schema (version INTEGER NOT NULL)")
            let version: Int = try db.row("SELECT MAX(version) AS v FROM proj_schema")?["v"] ?? 0
            guard version <= migrations.count else {
                throw TrackingError.store("the run history \(location) has schema version \(version), newer than this proj knows (\(migrations.count)): use a newer proj")
            }
            for (i, migration) in migrations.enumerated() where i + 1 > version {
                try connection.execute(HistorySchema.postgres(migration.sql))
                try db.execute("INSERT INTO proj_schema (version) VALUES (?)", [.integer(Int64(i + 1))])
            }
        }
    }
}
