import Fingerprint
import ProjectModel
import Runner
import YAML

/// Why a bundle could not be built, read, verified, signed, stored or extracted.
public enum BundleError: Error, Sendable, CustomStringConvertible {
    /// The `bundle:` section, schema.yaml or another source file is wrong.
    case config(SourceError)
    /// The pipeline has stale stages (without `--allow-stale`).
    case stale([String])
    /// The same name-version exists with different content.
    case versionExists(name: String, version: String, path: String)
    /// The archive is malformed, hostile or does not match its manifest; `entry` names what broke.
    case invalid(entry: String?, reason: String)
    /// A signature is missing, bad or from an untrusted key.
    case signature(String)
    /// A key could not be created, read or found.
    case key(String)
    /// A bundle store could not be used.
    case store(String)
    /// A file could not be read or written.
    case file(FingerprintError)
    /// The project could not be loaded or checked.
    case runner(RunnerError)
    /// Anything else the user can act on.
    case usage(String)

    public var description: String {
        switch self {
        case .config(let error): return error.description
        case .stale(let stages):
            return "the pipeline is stale: \(stages.joined(separator: ", ")); run `proj repro` first, or pass --allow-stale to bundle anyway"
        case .versionExists(let name, let version, let path):
            return "\(name) \(version) already exists (\(path)) with different content; versions are immutable: pass --bump patch|minor|major"
        // Names in an archive are the attacker's text: control characters are printed as escapes.
        case .invalid(let entry?, let reason): return "\(Paths.printable(entry)): \(Paths.printable(reason, keepNewlines: true))"
        case .invalid(nil, let reason): return Paths.printable(reason, keepNewlines: true)
        case .signature(let reason): return "signature: \(reason)"
        case .key(let reason): return reason
        case .store(let reason): return reason
        case .file(let error): return error.description
        case .runner(let error): return error.description
        case .usage(let reason): return reason
        }
    }
}

extension BundleError {
    /// 2 for bad configuration or arguments (as elsewhere in proj), 1 for everything else.
    public var exitCode: Int32 {
        switch self {
        case .config, .usage: return 2
        case .runner(let e): return e.exitCode
        default: return 1
        }
    }
}
