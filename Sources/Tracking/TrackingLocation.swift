import Foundation

/// Where the run history is: `--tracking URI`, else `PROJ_TRACKING_URI`, else `.proj/tracking.db` in the
/// project. A URI is `sqlite:PATH` (relative to the project) or a path to a `.db` file.
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
        return try TrackingStore(path: try path(given, root: root))
    }

    /// The SQLite file a tracking URI names.
    static func path(_ uri: String, root: String) throws(TrackingError) -> String {
        if uri.hasPrefix("postgres://") || uri.hasPrefix("postgresql://") {
            throw TrackingError.invalid("PostgreSQL run histories are not supported by this proj yet; use sqlite:PATH (\(variable) or --tracking)")
        }
        var path = uri
        if path.hasPrefix("sqlite://") { path = String(path.dropFirst("sqlite://".count)) } else if path.hasPrefix("sqlite:") { path = String(path.dropFirst("sqlite:".count)) }
        else if let scheme = path.firstRange(of: "://") {
            throw TrackingError.invalid("'\(uri)': unknown tracking URI scheme '\(path[..<scheme.lowerBound])' (expected sqlite:PATH)")
        }
        guard !path.isEmpty else { throw TrackingError.invalid("'\(uri)' names no file (expected sqlite:PATH)") }
        return path.hasPrefix("/") ? path : root + "/" + path
    }
}
