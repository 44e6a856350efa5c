import Foundation
import GRDB

/// Why the run history could not be read or written, worded for the user.
public enum TrackingError: Error, Sendable, CustomStringConvertible {
    /// The store cannot be used at all (damaged, not a database, locked, unwritable, unreachable).
    case store(String)
    /// A request the store cannot satisfy: an unknown or ambiguous run, a bad value.
    case invalid(String)
    /// What was asked for does not exist (an experiment or run id).
    case notFound(String)
    /// What was to be created exists already (an experiment's name).
    case exists(String)

    public var description: String {
        switch self {
        case .store(let message), .invalid(let message), .notFound(let message), .exists(let message): message
        }
    }

    /// A database error on `location`, said in the user's terms with what to do about it.
    static func database(_ error: any Error, location: String) -> TrackingError {
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
}
