import Crypto
import Fingerprint
import Foundation
import ProjectModel
import Remote
import Synchronization

/// The project's data and run-cache on a remote: `proj push`, `fetch`, `pull`, `status --remote`, and
/// `proj repro`'s look into the remote's run-cache. Objects are named as in `.proj/cache` (a file's
/// SHA-256; a directory's listing is `<sha256>.dir`). Small ones go up in packs, large ones one each; a
/// directory's listing only after its files, and a run-cache entry only after every object it names, so the
/// remote never names an object it lacks, whenever a push is stopped.
public final class DataSync: Sendable {
    public let workspace: Workspace
    public let store: any ObjectStore
    public let record: RemoteRecord
    /// Transfers at once.
    public let jobs: Int
    /// Objects smaller than this travel in packs of about `packSize` bytes.
    public let packLimit: Int64
    public let packSize: Int64
    /// Set when the remote could not be reached or refused us: `proj repro` then stops asking it.
    let unusable = Mutex(false)

    public init(workspace: Workspace, store: any ObjectStore, jobs: Int = 8, packLimit: Int64 = 1 << 20, packSize: Int64 = 8 << 20) {
        self.workspace = workspace
        self.store = store
        self.jobs = max(1, jobs)
        self.packLimit = packLimit
        self.packSize = packSize
        record = RemoteRecord(projectRoot: workspace.root, identity: store.identity)
    }

    /// Objects by name with their sizes (-1: not known), and the out each one belongs to, for messages.
    struct Wanted {
        var files: [String: Int64] = [:]
        var dirs: [String: Int64] = [:]
        var owner: [String: String] = [:]
    }

    /// Where an object lives in `.proj/cache`.
    func localPath(_ name: String) -> String {
        name.hasSuffix(".dir") ? workspace.cache.path(String(name.dropLast(4)), isDirectory: true) : workspace.cache.path(name)
    }

    /// The selected stages with their locks (stages never run are left out; a damaged lock is an error).
    func lockedStages(_ targets: [String]) throws(RunnerError) -> [(stage: Stage, lock: Lock)] {
        var out: [(stage: Stage, lock: Lock)] = []
        for i in try workspace.stageIndices(targets) {
            let stage = workspace.project.stages[i]
            switch workspace.lock(of: stage.name) {
            case .success(let lock?): out.append((stage, lock))
            case .success(nil): continue
            case .failure(let error): throw .project(error)
            }
        }
        return out
    }

    /// The locked, cached outs of the selected stages: (stage, path, digest).
    func lockedOuts(_ targets: [String]) throws(RunnerError) -> [(stage: String, path: String, digest: FileDigest)] {
        DataSync.outs(of: try lockedStages(targets))
    }

    /// The cached outs those locks record: (stage, path, digest).
    static func outs(of locked: [(stage: Stage, lock: Lock)]) -> [(stage: String, path: String, digest: FileDigest)] {
        locked.flatMap { stage, lock in
            stage.outs.filter(\.cache).compactMap { out in lock.outs[out.path].map { (stage.name, out.path, $0) } }
        }
    }

    /// Adds what the local cache holds of `digest` to `wanted`: a file, or a directory's files and listing
    /// (the listing read and checked once). False when the cache lacks part of it.
    func addLocal(_ digest: FileDigest, path: String, to wanted: inout Wanted) -> Bool {
        guard digest.isDirectory else {
            guard FileSystem.stat(localPath(digest.sha256))?.size == digest.size else { return false }
            wanted.files[digest.sha256] = digest.size
            wanted.owner[digest.sha256] = path
            return true
        }
        guard let entries = try? workspace.cache.manifest(digest.sha256), let listing = FileSystem.stat(localPath(digest.sha256 + ".dir")),
              entries.allSatisfy({ FileSystem.stat(localPath($0.sha256))?.size == $0.size }) else { return false }
        for entry in entries {
            wanted.files[entry.sha256] = entry.size
            wanted.owner[entry.sha256] = path + "/" + entry.path
        }
        wanted.dirs[digest.sha256 + ".dir"] = listing.size
        wanted.owner[digest.sha256 + ".dir"] = path
        return true
    }

    /// Whether `wanted` holds `digest` already (a directory's listing, or a file).
    func holds(_ wanted: Wanted, _ digest: FileDigest) -> Bool {
        digest.isDirectory ? wanted.dirs[digest.sha256 + ".dir"] != nil : wanted.files[digest.sha256] != nil
    }
}
