import YAML

/// Why a stage has to run (or why it cannot be trusted as fresh).
public enum Reason: Sendable, Equatable, CustomStringConvertible {
    case noLock
    case lockUnreadable(String)
    case forced
    case alwaysChanged
    case cmdChanged
    case envChanged(String)
    case wdirChanged
    case paramChanged(key: String, old: Value, new: Value)
    case paramAdded(key: String, value: Value)
    case paramRemoved(key: String)
    case inputChanged(kind: String, path: String)
    case inputAdded(kind: String, path: String)
    case inputRemoved(kind: String, path: String)
    case inputMissing(kind: String, path: String)
    case outMissing(String)
    case outChanged(String)
    case outAdded(String)
    case outRemoved(String)
    /// A tool's output or proj's identity differs from the lock's: `detail` is `old -> new` or the lines changed.
    case toolChanged(name: String, detail: String)
    case toolAdded(name: String, value: String)
    case toolRemoved(String)
    case upstream([String])
    case definitionChanged

    public var description: String {
        switch self {
        case .noLock: return "no lock"
        case .lockUnreadable(let why): return "lock unreadable (\(why))"
        case .forced: return "forced"
        case .alwaysChanged: return "always_changed"
        case .cmdChanged: return "cmd changed"
        case .envChanged(let name): return "env \(name) changed"
        case .wdirChanged: return "wdir changed"
        case .paramChanged(let key, let old, let new): return "params \(key): \(old.inlineText) -> \(new.inlineText)"
        case .paramAdded(let key, let value): return "params \(key) added: \(value.inlineText)"
        case .paramRemoved(let key): return "params \(key) removed"
        case .inputChanged(let kind, let path): return "\(kind) \(path) changed"
        case .inputAdded(let kind, let path): return "\(kind) \(path) added"
        case .inputRemoved(let kind, let path): return "\(kind) \(path) removed"
        case .inputMissing(let kind, let path): return "\(kind) \(path) missing"
        case .outMissing(let path): return "out \(path) missing"
        case .outChanged(let path): return "out \(path) changed"
        case .outAdded(let path): return "out \(path) added"
        case .outRemoved(let path): return "out \(path) removed"
        case .toolChanged(let name, let detail): return "tool \(ProjIdentity.label(name)): \(detail)"
        case .toolAdded(let name, let value): return "tool \(ProjIdentity.label(name)) added: \(value)"
        case .toolRemoved(let name): return "tool \(ProjIdentity.label(name)) removed"
        case .definitionChanged: return "stage definition changed"
        case .upstream(let names): return "after upstream " + names.map { "'\($0)'" }.joined(separator: ", ")
        }
    }
}
