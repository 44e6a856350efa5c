
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

}
