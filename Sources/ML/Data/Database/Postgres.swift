import CPostgres

/// A thin wrapper over libpq: the only place in this module that touches its pointers. Bulk data moves
/// with COPY in CSV form both ways.
final class PostgresConnection {
    private var connection: OpaquePointer?

    init(url: String) throws(MLError) {
        connection = PQconnectdb(url)
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines
            PQfinish(connection)
            connection = nil
            throw MLError("cannot connect to PostgreSQL (\(PostgresConnection.redacted(url))): \(message)")
        }
        // Server notices ("table does not exist, skipping") are not errors; keep them off stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { PQfinish(connection) }

    /// The URL with any password replaced, for messages.
    static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else { return url }
        let userinfo = url[scheme.upperBound..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    private var lastError: String { String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines }

    func execute(_ sql: String) throws(MLError) {
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw MLError("PostgreSQL: \(lastError)") }
    }

    /// `COPY ... FROM STDIN` with `csv` as the data.
    func copyIn(_ sql: String, csv: String) throws(MLError) {
        let start = PQexec(connection, sql)
        let status = PQresultStatus(start)
        PQclear(start)
        guard status == PGRES_COPY_IN else { throw MLError("PostgreSQL: \(lastError)") }
        let bytes = Array(csv.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + (1 << 20), bytes.count)
            let sent = bytes[offset..<end].withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32($0.count)) }
            }
            guard sent == 1 else { throw MLError("PostgreSQL: COPY: \(lastError)") }
            offset = end
        }
        guard PQputCopyEnd(connection, nil) == 1 else { throw MLError("PostgreSQL: COPY: \(lastError)") }
        try finish("COPY")
    }

    /// `COPY ... TO STDOUT`: the data as text.
    func copyOut(_ sql: String) throws(MLError) -> String {
        let start = PQexec(connection, sql)
        let status = PQresultStatus(start)
        PQclear(start)
        guard status == PGRES_COPY_OUT else { throw MLError("PostgreSQL: \(lastError)") }
        var out: [UInt8] = []
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let n = PQgetCopyData(connection, &buffer, 0)
            if n == -1 { break }
            guard n >= 0, let buffer else { throw MLError("PostgreSQL: COPY: \(lastError)") }
            buffer.withMemoryRebound(to: UInt8.self, capacity: Int(n)) { out += UnsafeBufferPointer(start: $0, count: Int(n)) }
            PQfreemem(buffer)
        }
        try finish("COPY")
        return String(decoding: out, as: UTF8.self)
    }

    private func finish(_ what: String) throws(MLError) {
        var failure: String?
        while let result = PQgetResult(connection) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil { failure = lastError }
            PQclear(result)
        }
        if let failure { throw MLError("PostgreSQL: \(what): \(failure)") }
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = self
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
