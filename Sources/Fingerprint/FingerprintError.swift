/// Why a file could not be fingerprinted or written.
public enum FingerprintError: Error, Sendable, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case unsupported(path: String, what: String)
    /// A stored object whose content does not hash to the digest it is stored under.
    case corrupt(path: String, expected: String, actual: String, movedTo: String? = nil)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read '\(path)': \(reason)"
        case .unwritable(let path, let reason): return "cannot write '\(path)': \(reason)"
        case .unsupported(let path, let what): return "'\(path)' is \(what); only regular files and directories can be tracked"
        case .corrupt(let path, let expected, let actual, let movedTo):
            return "'\(path)' is corrupt: its content hashes to \(actual), not \(expected)" + (movedTo.map { "; moved aside to '\($0)'" } ?? "")
        }
    }
}
