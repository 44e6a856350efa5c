import Foundation

/// Where the run history is: `--tracking URI`, else `PROJ_TRACKING_URI`, else `.proj/tracking.db` in the
/// project. A URI is `sqlite:PATH` (relative to the project), a path to a `.db` file, or
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB` (`postgresql://` too) for a history several machines share.
public enum TrackingLocation {
    public static let variable = "PROJ_TRACKING_URI"

    /// Opens the history for the project at `root`; `uri` is the `--tracking` option, if given.
    public static func open(_ uri: String?, root: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(TrackingError) -> TrackingStore {
        let given = uri ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        guard let given else {
            let directory = root + "/.proj"
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw TrackingError.store("cannot create \(directory) for the run history: \(error.localizedDescription)")
            }
            return try TrackingStore(path: directory + "/tracking.db")
        }
        if isPostgres(given) { return try TrackingStore(postgres: given) }
        return try TrackingStore(path: try path(given, root: root))
    }

    static func isPostgres(_ uri: String) -> Bool { uri.hasPrefix("postgres://") || uri.hasPrefix("postgresql://") }

    /// The SQLite file a tracking URI names.
    static func path(_ uri: String, root: String) throws(TrackingError) -> String {
        var path = uri
        if path.hasPrefix("sqlite://") { path = String(path.dropFirst("sqlite://".count)) } else if path.hasPrefix("sqlite:") { path = String(path.dropFirst("sqlite:".count)) }
        else if let scheme = path.firstRange(of: "://") {
            throw TrackingError.invalid("'\(uri)': unknown tracking URI scheme '\(path[..<scheme.lowerBound])' (expected sqlite:PATH or postgres://USER@HOST:PORT/DB)")
        }
        guard !path.isEmpty else { throw TrackingError.invalid("'\(uri)' names no file (expected sqlite:PATH)") }
        return path.hasPrefix("/") ? path : root + "/" + path
    }
}
