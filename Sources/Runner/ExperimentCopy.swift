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

    /// Copies `workspace` into a new directory under its `.proj/exps/`.
    public static func make(of workspace: Workspace) throws(RunnerError) -> ExperimentCopy {
        let base = workspace.root + "/.proj/exps"
        let root = base + "/" + UUID().uuidString.lowercased()
        // The outs restored from the cache: a path, or a directory whose files are skipped.
        let cached = workspace.project.stages.flatMap { $0.outs.filter(\.cache).map(\.path) }
        func isCachedOut(_ relative: String) -> Bool {
            cached.contains { relative == $0 || relative.hasPrefix($0 + "/") }
        }
        do {
            try FileSystem.makeDirectories(root + "/.proj")
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
}
