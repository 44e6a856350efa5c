import Foundation
import PostgresServer
@testable import ML
import Testing

/// `load-db` / `read-db` against a real SQLite file and a real PostgreSQL server.
@Suite(.serialized) struct DatabaseTests {
    /// The first 300 rows of the phishing data, as a file.
    func slice(_ dir: String) throws -> String {
        let lines = try String(contentsOfFile: phishingCSV, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let path = dir + "/slice.csv"
        try (lines.prefix(301).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The same rows in byte order: what read-db writes.
    func sortedText(_ path: String) throws -> String {
        let table = try Table.read(path)
        return Table(header: table.header, rows: table.rows.sorted { $0.lexicographicallyPrecedes($1) { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }).csv
    }

    @Test func sqliteRoundTripsTheCSVExactly() throws {
        let dir = try scratch("sqlite")
        let input = try slice(dir)
        let db = try Database.parse("sqlite:" + dir + "/d.db")
        #expect(try db.load(csv: input, table: "urls") == 300)
        #expect(try db.read(table: "urls", to: dir + "/back.csv") == 300)
        #expect(try String(contentsOfFile: dir + "/back.csv", encoding: .utf8) == (try sortedText(input)))

        // A refused load (a ragged row) leaves the table as it was.
        try "url,length_url,status\nx,1\n".write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
        #expect(throws: MLError.self) { try db.load(csv: dir + "/bad.csv", table: "urls") }
        #expect(try db.read(table: "urls", to: dir + "/again.csv") == 300)

        func message(_ body: () throws -> Int) -> String {
            do { _ = try body(); return "ok" } catch { return "\(error)".replacingOccurrences(of: dir + "/", with: "") }
        }
        #expect(message { try db.read(table: "missing", to: dir + "/x.csv") }.hasPrefix("SQLite d.db: query: no such table: missing"))
        #expect(message { try db.load(csv: input, table: "urls; drop") } == "table name 'urls; drop' must be letters, digits and underscores (not starting with a digit), at most 63")
        #expect(message { try Database.parse("sqlite:" + dir + "/none.db").read(table: "urls", to: dir + "/x.csv") } == "no SQLite database at none.db")
        #expect(message { try Database.parse("mysql://x").read(table: "urls", to: dir + "/x.csv") } == "unknown database 'mysql://x': use sqlite:PATH or postgres://USER@HOST:PORT/DB")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.csv"))
    }

    @Test func postgresGivesTheSameFileAsSQLite() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let dir = try scratch("postgres")
        let input = try slice(dir)
        let pg = try Database.parse(server.url)
        #expect(try pg.load(csv: input, table: "urls") == 300)
        #expect(try pg.load(csv: input, table: "urls") == 300)   // replaced, not appended
        #expect(try pg.read(table: "urls", to: dir + "/pg.csv") == 300)
        let sqlite = try Database.parse("sqlite:" + dir + "/d.db")
        _ = try sqlite.load(csv: input, table: "urls")
        _ = try sqlite.read(table: "urls", to: dir + "/sqlite.csv")
        let text = try String(contentsOfFile: dir + "/pg.csv", encoding: .utf8)
        #expect(text == (try String(contentsOfFile: dir + "/sqlite.csv", encoding: .utf8)))
        #expect(text == (try sortedText(input)))

        // Errors name the server (without a password) and the table.
        do {
            _ = try Database.parse("postgres://proj:secret@127.0.0.1:\(PostgresServer.freePort())/postgres").read(table: "urls", to: dir + "/x.csv")
            Issue.record("read from a closed port")
        } catch {
            #expect("\(error)".hasPrefix("cannot connect to PostgreSQL (postgres://proj:***@127.0.0.1:"))
            #expect(!"\(error)".contains("secret"))
        }
        do {
            _ = try pg.read(table: "missing", to: dir + "/x.csv")
            Issue.record("read a missing table")
        } catch { #expect("\(error)".hasPrefix("PostgreSQL: ERROR:  relation \"missing\" does not exist")) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.csv"))
    }
}
