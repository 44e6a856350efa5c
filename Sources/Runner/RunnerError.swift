import Fingerprint
import Remote
import YAML

/// Failures of the runner's machinery (a failing stage is a result, not one of these).
public enum RunnerError: Error, Sendable, CustomStringConvertible {
    case project(SourceError)
    case file(FingerprintError)
    case busy(pid: String, waited: Int)
    case unknownStage(String, suggestion: String)
    case cacheMissing(path: String, sha256: String)
    /// A cache object of `path` failed its SHA-256 check while being restored (`error` says where it went).
    case cacheCorrupt(path: String, error: FingerprintError)
    case params(String)
    case git(String)
    case launch(stage: String, reason: String)
    /// An experiment's private copy of the workspace could not be made.
    case experiment(String)
    /// A remote refused, failed or sent something wrong.
    case remote(RemoteError)
    /// A stage's `tools:` command failed.
    case tool(stage: String, ToolFailure)

    public var description: String {
        switch self {
        case .project(let e): return e.description
        case .file(let e): return e.description
        case .busy(let pid, let waited):
            return "another proj process (pid \(pid)) is working in this project; waited \(waited) s for it. Try again when it finishes, or pass --wait SECONDS"
        case .unknownStage(let name, let suggestion): return "no stage named '\(name)' in project.yaml\(suggestion)"
        case .cacheMissing(let path, let sha):
            return "cannot restore '\(path)': object \(sha.prefix(12)) is not in .proj/cache (run 'proj repro' to rebuild it)"
        case .cacheCorrupt(let path, let error):
            return "cannot restore '\(path)': cache object \(error); run 'proj repro' to rebuild it"
        case .params(let message): return message
        case .git(let message): return message
        case .launch(let stage, let reason): return "stage '\(stage)' could not start: \(reason)"
        case .experiment(let message): return message
        case .remote(let error): return error.description
        case .tool(let stage, let failure): return "stage '\(stage)': \(failure)"
        }
    }

    /// The exit code the CLI uses: 2 for bad input, 1 otherwise.
    public var exitCode: Int32 {
        switch self {
        case .project, .unknownStage, .params: return 2
        case .remote(let error): return error.exitCode
        default: return 1
        }
    }
}
