import Fingerprint
import Foundation

/// `proj cache verify`: every object in `.proj/cache` hashed against its name; with `repair`, damaged
/// objects are moved aside and stored again from workspace files that still hash right.
public enum CacheCheck {
    /// What a check found and did.
    public struct Report: Sendable {
        /// Objects checked.
        public var checked = 0
        /// Damaged objects (digest, with `.dir` for directory listings) and what is wrong with each.
        public var corrupt: [(object: String, problem: String)] = []
        /// Damaged objects stored again from the workspace (with `repair`).
        public var restored: [String] = []
        /// Damaged objects moved aside with no good copy in the workspace (with `repair`).
        public var removed: [String] = []
    }

    /// Checks every object; with `repair`, mends what it can.
    public static func run(_ workspace: Workspace, repair: Bool) -> Report {
        let cache = workspace.cache
        var report = Report()
        let buffer = HashBuffer()
        for object in cache.allObjects() {
            report.checked += 1
            let isDirectory = object.hasSuffix(".dir")
            let digest = isDirectory ? String(object.dropLast(4)) : object
            let path = cache.path(digest, isDirectory: isDirectory)
            let problem: String?
            if isDirectory {
                do { _ = try cache.manifest(digest); problem = nil } catch { problem = "\(error)" }
            } else {
                switch Result(catching: { () throws(FingerprintError) in try FileSystem.sha256(path: path, buffer: buffer) }) {
                case .success(let (hex, _)): problem = hex == digest ? nil : "its content hashes to \(hex)"
                case .failure(let error): problem = "\(error)"
                }
            }
            guard let problem else { continue }
            report.corrupt.append((object, problem))
            guard repair else { continue }
            _ = cache.corrupt(path, expected: digest, actual: problem)
            if storeFromWorkspace(object, workspace) { report.restored.append(object) } else { report.removed.append(object) }
        }
        return report
    }

    /// Stores `object` again from a workspace out (or a file of a directory out) that still hashes to it.
    static func storeFromWorkspace(_ object: String, _ workspace: Workspace) -> Bool {
        let isDirectory = object.hasSuffix(".dir")
        let digest = isDirectory ? String(object.dropLast(4)) : object
        for stage in workspace.project.stages {
            guard case .success(let lock?) = workspace.lock(of: stage.name) else { continue }
            for (path, recorded) in lock.outs {
                let absolute = workspace.fingerprinter.absolute(path)
                if recorded.isDirectory {
                    guard let manifest = try? workspace.fingerprinter.manifest(path),
                          Fingerprinter.directoryDigest(manifest).sha256 == recorded.sha256,
                          recorded.sha256 == digest || manifest.contains(where: { $0.sha256 == digest }) else { continue }
                    if (try? workspace.cache.store(absolute, digest: recorded, manifest: manifest)) != nil { return true }
                } else if !isDirectory, recorded.sha256 == digest,
                          (try? FileSystem.sha256(path: absolute, buffer: HashBuffer(size: 1 << 16)))?.hex == digest {
                    if (try? workspace.cache.store(absolute, digest: recorded, manifest: nil)) != nil { return true }
                }
            }
        }
        return false
    }
}
