import Fingerprint
import Foundation
import ProjectModel

/// A private copy of a workspace for one experiment (`proj exp run`): the project's files, without `.git`,
/// `.proj` and the outs kept in the cache, under `.proj/exps/`; its `.proj/cache` and `.proj/runs` are the
/// workspace's own, so what an experiment computes is cached for everyone and what was computed before is
/// restored instead of re-run. The workspace itself is never written.
public struct ExperimentCopy: Sendable {
    /// The copy's root.
    public let root: String

    /// Where a copy says which process made it: `HOST PID`.
    static let owner = ".proj/exp-owner"

    /// Copies `workspace` into a new directory under its `.proj/exps/`, marked as made by process `pid` on `host`.
    public static func make(of workspace: Workspace, host: String = ProcessInfo.processInfo.hostName,
                            pid: Int32 = ProcessInfo.processInfo.processIdentifier) throws(RunnerError) -> ExperimentCopy {
        let base = workspace.root + "/.proj/exps"
        let root = base + "/" + UUID().uuidString.lowercased()
        // The outs restored from the cache: a path, or a directory whose files are skipped.
        let cached = workspace.project.stages.flatMap { $0.outs.filter(\.cache).map(\.path) }
        func isCachedOut(_ relative: String) -> Bool {
            cached.contains { relative == $0 || relative.hasPrefix($0 + "/") }
        }
        do {
            try FileSystem.makeDirectories(root + "/.proj")
            try "\(host) \(pid)\n".write(toFile: root + "/" + owner, atomically: true, encoding: .utf8)
            let manager = FileManager.default
            guard let walk = manager.enumerator(atPath: workspace.root) else {
                throw RunnerError.experiment("cannot list \(workspace.root) to copy it for the experiment")
            }
            while let relative = walk.nextObject() as? String {
                let first = relative.split(separator: "/", maxSplits: 1).first.map(String.init) ?? relative
                if first == ".proj" || first == ".git" || isCachedOut(relative) {
                    if (walk.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { walk.skipDescendants() }
                    continue
                }
                let source = workspace.root + "/" + relative, target = root + "/" + relative
                switch walk.fileAttributes?[.type] as? FileAttributeType {
                case .typeDirectory?: try FileSystem.makeDirectories(target)
                case .typeRegular?, .typeSymbolicLink?: try manager.copyItem(atPath: source, toPath: target)
                default: continue
                }
            }
            for shared in ["cache", "runs"] {
                try FileSystem.makeDirectories(workspace.root + "/.proj/" + shared)
                try manager.createSymbolicLink(atPath: root + "/.proj/" + shared, withDestinationPath: workspace.root + "/.proj/" + shared)
            }
        } catch let error as RunnerError {
            FileSystem.removeTree(root)
            throw error
        } catch {
            FileSystem.removeTree(root)
            throw RunnerError.experiment("cannot copy \(workspace.root) for the experiment: \(FileSystem.describe(error))")
        }
        return ExperimentCopy(root: root)
    }

    /// Removes the copy (the shared cache stays).
    public func remove() {
        FileSystem.removeTree(root)
    }

    /// Removes the copies under `workspace`'s `.proj/exps/` left by experiments killed outright: those whose
    /// maker was a process on `host` that `isAlive` says is gone. Copies of other machines' processes, of
    /// living ones, and without an owner are left alone. Returns how many went.
    @discardableResult
    public static func sweep(_ workspace: Workspace, host: String, isAlive: (Int32) -> Bool) -> Int {
        let base = workspace.root + "/.proj/exps"
        var removed = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
            guard let text = try? String(contentsOfFile: base + "/" + name + "/" + owner, encoding: .utf8) else { continue }
            let parts = text.split(whereSeparator: \.isWhitespace)
            guard parts.count == 2, String(parts[0]) == host, let pid = Int32(parts[1]), !isAlive(pid) else { continue }
            FileSystem.removeTree(base + "/" + name)
            removed += 1
        }
        return removed
    }
}
