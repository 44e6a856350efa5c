import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The git commit a project directory is at and whether its tracked files differ from it, for the run
/// history; nil where the directory is not in a git work tree or git is missing.
public enum GitState {
    public static func read(root: String) async -> (revision: String?, dirty: Bool?) {
        guard let head = await git(["rev-parse", "--verify", "--quiet", "HEAD"], root: root)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !head.isEmpty else { return (nil, nil) }
        let status = await git(["status", "--porcelain", "--untracked-files=no"], root: root)
        return (head, status.map { !$0.isEmpty })
    }

    /// What `git ARGUMENTS` prints in `root`, trimmed; nil when it fails or git is missing.
    public static func output(_ arguments: [String], root: String) async -> String? {
        await git(arguments, root: root)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func git(_ arguments: [String], root: String) async -> String? {
        guard let result = try? await Subprocess.run(.name("git"), arguments: Arguments(arguments), workingDirectory: FilePath(root),
                                                       output: .string(limit: 1 << 20), error: .discarded),
              result.terminationStatus.isSuccess else { return nil }
        return result.standardOutput
    }
}
