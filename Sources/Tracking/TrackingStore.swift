import Foundation

/// The run history: runs, their params, tags, metric points and stages, in SQLite (`.proj/tracking.db` by
/// default, through GRDB) or PostgreSQL (so several machines write one history). Metric points have their own
/// table keyed by (run, key, step) and each metric's latest value its own, so listing runs never touches the
/// points; NaN and infinities are stored as flags beside a 0. The same SQL runs on both databases.
public final class TrackingStore: Sendable {
    let database: any HistoryDatabase
    /// Where the history is, for messages.
    public var location: String { database.location }

    /// Opens (creating when missing) the SQLite history at `path`; a write waits up to `busyTimeout` seconds
    /// for another process's.
    public init(path: String, busyTimeout: TimeInterval = 30) throws(TrackingError) {
        database = try SQLiteHistory(path: path, busyTimeout: busyTimeout)
    }

    /// Opens the PostgreSQL history at `url` (`postgres://USER[:PASSWORD]@HOST:PORT/DB`), creating its tables
    /// when missing.
    public init(postgres url: String) throws(TrackingError) {
        database = try PostgresHistory(url: url)
    }

    func write<T>(_ body: (any SQLSession) throws -> T) throws(TrackingError) -> T {
        try database.write(body)
    }

    func read<T>(_ body: (any SQLSession) throws -> T) throws(TrackingError) -> T {
        try database.read(body)
    }

    // MARK: - Values SQLite cannot hold

    /// A metric value as stored: the value, or 0 with a flag for NaN (1), +inf (2) and -inf (3).
    static func stored(_ value: Double) -> (Double, Int) {
        if value.isNaN { return (0, 1) }
        if value.isInfinite { return (0, value > 0 ? 2 : 3) }
        return (value, 0)
    }

    static func value(_ stored: Double, flag: Int) -> Double {
        switch flag {
        case 1: .nan
        case 2: .infinity
        case 3: -.infinity
        default: stored
        }
    }

    /// Milliseconds since 1970.
    public static var nowMs: Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
