import Foundation
import GRDB

/// A run history in one SQLite file, through GRDB: a pool of readers beside one writer (WAL), so the UI
/// reads while a run writes; a write waits up to `busyTimeout` seconds for another process's.
final class SQLiteHistory: HistoryDatabase {
    let pool: DatabasePool
    let location: String

    init(path: String, busyTimeout: TimeInterval) throws(TrackingError) {
        location = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        // WAL with synchronous=NORMAL: a commit survives the process being killed, and only a power loss can
        // take back the last few; without it every logged batch waits for an fsync.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try SQLiteHistory.migrator.migrate(pool)
            self.pool = pool
        } catch {
            throw SQLiteHistory.worded(error, location: path)
        }
    }

    func read<T>(_ body: (any SQLSession) throws -> T) throws(TrackingError) -> T {
        do { return try pool.read { db in try body(Session(db: db)) } } catch { throw SQLiteHistory.worded(error, location: location) }
    }

    func write<T>(_ body: (any SQLSession) throws -> T) throws(TrackingError) -> T {
        do { return try pool.write { db in try body(Session(db: db)) } } catch { throw SQLiteHistory.worded(error, location: location) }
    }

    /// GRDB's connection as a session; statements are prepared once per connection and text.
    struct Session: SQLSession {
        let db: Database

        func execute(_ sql: String, _ arguments: [SQLValue]) throws {
            try db.cachedStatement(sql: sql).execute(arguments: Session.arguments(arguments))
        }

        func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
            let statement = try db.cachedStatement(sql: sql)
            var columns: [String: Int] = [:]
            for (i, name) in statement.columnNames.enumerated() where columns[name] == nil { columns[name] = i }
            return try Row.fetchAll(statement, arguments: Session.arguments(arguments)).map { row in
                SQLRow(columns: columns, values: (0..<row.count).map { i in
                    switch (row[i] as DatabaseValue).storage {
                    case .null: .null
                    case .int64(let v): .integer(v)
                    case .double(let v): .real(v)
                    case .string(let v): .text(v)
                    case .blob(let v): .text(String(decoding: v, as: UTF8.self))
                    }
                })
            }
        }

        static func arguments(_ values: [SQLValue]) -> StatementArguments {
            StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .null: nil
                case .integer(let v): v
                case .real(let v): v
                case .text(let v): v
                }
            })
        }
    }

    /// A database error on `location`, said in the user's terms with what to do about it.
    static func worded(_ error: any Error, location: String) -> TrackingError {
        if let error = error as? TrackingError { return error }
        guard let error = error as? DatabaseError else { return .store("the run history \(location): \(error)") }
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return .store("the run history \(location) is damaged or not a SQLite database (\(error.message ?? "unreadable")): move it away and proj starts a new one")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .store("the run history \(location) stayed locked by another process; try again when it has finished")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_IOERR, .SQLITE_FULL:
            return .store("cannot write the run history \(location): \(error.message ?? "\(error.resultCode)")")
        default:
            return .store("the run history \(location): \(error.message ?? "\(error.resultCode)")")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in HistorySchema.migrations {
            migrator.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) }
        }
        return migrator
    }
}
