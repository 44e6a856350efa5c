import Fingerprint
import Foundation
import ProjectModel

/// `proj status`: every stage's staleness, judged on what is on disk now (nothing runs).
public enum Status {
    /// Each stage (in dependency order) with its reasons; empty reasons mean fresh.
    public static func evaluate(_ workspace: Workspace, targets: [String] = []) throws(RunnerError) -> [StageResult] {
        var results: [StageResult] = []
        for i in try workspace.stageIndices(targets) {
            let stage = workspace.project.stages[i]
            let observed: Observation
            observed = try Observation.observe(stage, in: workspace.project, with: workspace.fingerprinter, tools: workspace.tools)
            let reasons: [Reason]
            var platform: [String: String] = [:]
            switch workspace.lock(of: stage.name) {
            case .success(let lock):
                reasons = Staleness.reasons(stage: stage, lock: lock, observed: observed)
                platform = lock?.platform ?? [:]
            case .failure(let error): reasons = [.lockUnreadable(error.headline)]
            }
            results.append(StageResult(name: stage.name, status: reasons.isEmpty ? .fresh : .wouldRun, reasons: reasons, platform: platform))
        }
        workspace.saveState()
        return results
    }
}

/// `proj checkout`: makes every out match its stage's lock, from the cache.
public enum Checkout {
    /// Restores outs that are missing or differ from their lock. Returns the paths restored, and the outs that
    /// differ but cannot be restored because they are not cached (`cache: false`), each with its stage.
    public static func run(_ workspace: Workspace, targets: [String] = []) throws(RunnerError)
        -> (restored: [String], uncached: [(path: String, stage: String)]) {
        var restored: [String] = []
        var uncached: [(path: String, stage: String)] = []
        for i in try workspace.stageIndices(targets) {
            let stage = workspace.project.stages[i]
            let lock: Lock
            switch workspace.lock(of: stage.name) {
            case .success(let found?): lock = found
            case .success(nil): continue
            // A damaged lock cannot say what to restore: say so rather than skip the stage quietly.
            case .failure(let error): throw .project(error)
            }
            for out in stage.outs {
                guard let recorded = lock.outs[out.path] else { continue }
                do {
                    if try workspace.fingerprinter.digest(out.path)?.sha256 == recorded.sha256 { continue }
                    guard out.cache else { uncached.append((out.path, stage.name)); continue }
                    guard workspace.cache.contains(recorded) else { throw RunnerError.cacheMissing(path: out.path, sha256: recorded.sha256) }
                    try workspace.cache.restore(recorded, to: workspace.fingerprinter.absolute(out.path))
                } catch let error as RunnerError {
                    throw error
                } catch let error as FingerprintError {
                    if case .corrupt = error { throw .cacheCorrupt(path: out.path, error: error) }
                    throw .file(error)
                } catch {
                    throw .file(.unwritable(path: out.path, reason: FileSystem.describe(error)))
                }
                restored.append(out.path)
            }
        }
        workspace.saveState()
        return (restored, uncached)
    }
}

/// `proj gc`: removes cache objects that no lock file and no run-cache entry references.
public enum GarbageCollector {
    /// Deletes unreferenced objects (only lists them when `dry`); returns their names and total bytes.
    public static func run(_ workspace: Workspace, dry: Bool) -> (removed: [String], bytes: Int64) {
        var keep = Set<String>()
        var locks: [Lock] = workspace.runCache.all()
        for stage in workspace.project.stages {
            if case .success(let lock?) = workspace.lock(of: stage.name) { locks.append(lock) }
        }
        for lock in locks {
            for digest in lock.outs.values {
                if digest.isDirectory {
                    keep.insert(digest.sha256 + ".dir")
                    for entry in (try? workspace.cache.manifest(digest.sha256)) ?? [] { keep.insert(entry.sha256) }
                } else {
                    keep.insert(digest.sha256)
                }
            }
        }
        var removed: [String] = []
        var bytes: Int64 = 0
        // Damaged objects moved aside by restores and `cache verify --repair`.
        let aside = workspace.cache.directory + "/corrupt"
        for name in FileSystem.list(aside) {
            bytes += FileSystem.stat(aside + "/" + name)?.size ?? 0
            if !dry { FileSystem.removeTree(aside + "/" + name) }
            removed.append("corrupt/" + name)
        }
        for object in workspace.cache.allObjects() where !keep.contains(object) {
            let name = object.hasSuffix(".dir") ? String(object.dropLast(4)) : object
            let path = workspace.cache.path(name, isDirectory: object.hasSuffix(".dir"))
            bytes += FileSystem.stat(path)?.size ?? 0
            if !dry { try? FileManager.default.removeItem(atPath: path) }
            removed.append(object)
        }
        return (removed, bytes)
    }
}
