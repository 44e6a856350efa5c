import Foundation

/// What PostgreSQL or libpq said went wrong, as text a user can act on.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The server's SQLSTATE, when it sent one (`40001` serialization failure, `23505` unique violation ...).
    public var state: String?
    public var description: String { message }

    public init(_ message: String, state: String? = nil) {
        self.message = message
        self.state = state
    }
}

/// A thin wrapper over libpq (loaded on first use, see `LibPQ`): the only place that touches its pointers. Queries take text parameters
/// (`$1` ...), and bulk data moves with COPY in CSV form both ways. One connection is one session: it is
/// not safe to use from two threads at once.
public final class PostgresConnection {
    private var connection: OpaquePointer?
    private let pq: LibPQ
    public let url: String

    public init(url: String) throws(PostgresError) {
        self.url = url
        pq = try LibPQ.loaded()
        connection = pq.connectdb(url)
        guard pq.status(connection) == LibPQ.connectionOK else {
            let message = pq.errorMessage(connection).map { String(cString: $0) }?.trimmingTrailingNewlines ?? "out of memory"
            pq.finish(connection)
            connection = nil
            throw PostgresError("cannot connect to PostgreSQL (\(PostgresConnection.redacted(url))): \(message)")
        }
        // Server notices ("table does not exist, skipping") are not errors; keep them off stderr.
        _ = pq.setNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { pq.finish(connection) }

    /// Whether the connection is still up (a server restart breaks it; `reset` tries once to connect again).
    public var isUp: Bool { pq.status(connection) == LibPQ.connectionOK }

    public func reset() throws(PostgresError) {
        pq.reset(connection)
        guard isUp else { throw PostgresError("cannot connect to PostgreSQL (\(PostgresConnection.redacted(url))): \(lastError)") }
    }

    /// The URL with any password replaced, for messages.
    public static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else { return url }
        let userinfo = url[scheme.upperBound..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    private var lastError: String { pq.errorMessage(connection).map { String(cString: $0) }?.trimmingTrailingNewlines ?? "out of memory" }

    public func execute(_ sql: String) throws(PostgresError) {
        let result = pq.exec(connection, sql)
        defer { pq.clear(result) }
        try check(result)
    }

    /// A column's kind as the server typed it.
    public enum ColumnKind: Sendable { case integer, real, boolean, text }

    /// The rows of a query: each cell text (PostgreSQL's text format) or nil for NULL.
    public struct Result: Sendable {
        public var columns: [String]
        public var kinds: [ColumnKind]
        public var rows: [[String?]]
    }

    /// Runs `sql` with `$1`... bound to `parameters` (text; nil is NULL), and returns its rows.
    public func query(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> Result {
        let result = withTextArray(parameters) { values in
            pq.execParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        defer { pq.clear(result) }
        try check(result)
        let columnCount = Int(pq.nfields(result)), rowCount = Int(pq.ntuples(result))
        var columns: [String] = [], kinds: [ColumnKind] = []
        for c in 0..<columnCount {
            columns.append(pq.fname(result, Int32(c)).map { String(cString: $0) } ?? "")
            switch pq.ftype(result, Int32(c)) {
            case 20, 21, 23, 26: kinds.append(.integer) // int8, int2, int4, oid
            case 700, 701, 1700: kinds.append(.real) // float4, float8, numeric
            case 16: kinds.append(.boolean)
            default: kinds.append(.text)
            }
        }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            rows.append((0..<columnCount).map { c in
                pq.getisnull(result, Int32(r), Int32(c)) == 1 ? nil : pq.getvalue(result, Int32(r), Int32(c)).map { String(cString: $0) }
            })
        }
        return Result(columns: columns, kinds: kinds, rows: rows)
    }

    private func check(_ result: OpaquePointer?) throws(PostgresError) {
        let status = pq.resultStatus(result)
        guard status == LibPQ.commandOK || status == LibPQ.tuplesOK else {
            let state = pq.resultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw PostgresError("PostgreSQL: \(lastError)", state: state)
        }
    }

    /// `COPY ... FROM STDIN` with `csv` as the data.
    public func copyIn(_ sql: String, csv: String) throws(PostgresError) {
        let start = pq.exec(connection, sql)
        let status = pq.resultStatus(start)
        pq.clear(start)
        guard status == LibPQ.copyIn else { throw PostgresError("PostgreSQL: \(lastError)") }
        let bytes = Array(csv.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + (1 << 20), bytes.count)
            let sent = bytes[offset..<end].withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { pq.putCopyData(connection, $0.baseAddress, Int32($0.count)) }
            }
            guard sent == 1 else { throw PostgresError("PostgreSQL: COPY: \(lastError)") }
            offset = end
        }
        guard pq.putCopyEnd(connection, nil) == 1 else { throw PostgresError("PostgreSQL: COPY: \(lastError)") }
        try finish("COPY")
    }

    /// `COPY ... TO STDOUT`: the data as text.
    public func copyOut(_ sql: String) throws(PostgresError) -> String {
        let start = pq.exec(connection, sql)
        let status = pq.resultStatus(start)
        pq.clear(start)
        guard status == LibPQ.copyOut else { throw PostgresError("PostgreSQL: \(lastError)") }
        var out: [UInt8] = []
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let n = pq.getCopyData(connection, &buffer, 0)
            if n == -1 { break }
            guard n >= 0, let buffer else { throw PostgresError("PostgreSQL: COPY: \(lastError)") }
            buffer.withMemoryRebound(to: UInt8.self, capacity: Int(n)) { out += UnsafeBufferPointer(start: $0, count: Int(n)) }
            pq.freemem(buffer)
        }
        try finish("COPY")
        return String(decoding: out, as: UTF8.self)
    }

    private func finish(_ what: String) throws(PostgresError) {
        var failure: String?
        while let result = pq.getResult(connection) {
            if pq.resultStatus(result) != LibPQ.commandOK, failure == nil { failure = lastError }
            pq.clear(result)
        }
        if let failure { throw PostgresError("PostgreSQL: \(what): \(failure)") }
    }
}

/// `strings` as C strings for the length of `body` (nil stays a null pointer).
private func withTextArray<T>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    let copies = strings.map { $0.map { strdup($0) } ?? nil }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = self
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
