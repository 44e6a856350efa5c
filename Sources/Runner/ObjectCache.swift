import Fingerprint
import Foundation

/// Content-addressed store of outs under `.proj/cache/ab/cdef...`.
///
/// Objects are written once (temp + fsync + rename), made read-only, and always copied
/// out to the workspace, so editing a workspace file can never alter the cache.
/// A directory is stored as its files plus its manifest under `<digest>.dir`.
public final class ObjectCache: Sendable {
    public let directory: String

    /// Opens the cache at `directory` (created on first write).
    public init(directory: String) {
        self.directory = directory
    }

    /// The object path for a digest.
    public func path(_ sha256: String, isDirectory: Bool = false) -> String {
        directory + "/" + sha256.prefix(2) + "/" + sha256.dropFirst(2) + (isDirectory ? ".dir" : "")
    }

    /// Whether the object (and, for a directory, every file it lists) is present.
    public func contains(_ digest: FileDigest) -> Bool {
        guard digest.isDirectory else { return FileSystem.stat(path(digest.sha256))?.size == digest.size }
        guard let entries = try? manifest(digest.sha256) else { return false }
        return entries.allSatisfy { FileSystem.stat(path($0.sha256))?.size == $0.size }
    }

    /// Stores the workspace file or directory at `absolute` whose digest is `digest`.
    public func store(_ absolute: String, digest: FileDigest, manifest: [ManifestEntry]?) throws(FingerprintError) {
        if let manifest {
            for entry in manifest { try storeFile(absolute + "/" + entry.path, sha256: entry.sha256, size: entry.size) }
            let text = Fingerprinter.manifestText(manifest)
            let target = path(digest.sha256, isDirectory: true)
            if FileSystem.stat(target) == nil { try AtomicFile.write(text, to: target, mode: 0o444) }
        } else {
            try storeFile(absolute, sha256: digest.sha256, size: digest.size)
        }
    }

    private func storeFile(_ source: String, sha256: String, size: Int64) throws(FingerprintError) {
        let target = path(sha256)
        if FileSystem.stat(target)?.size == size { return }
        try AtomicFile.copy(source, to: target, mode: 0o444)
        // The file may have changed between hashing and copying: check what landed.
        let (landed, _) = try FileSystem.sha256(path: target, buffer: HashBuffer(size: 1 << 16))
        if landed != sha256 {
            try? FileManager.default.removeItem(atPath: target)
            throw FingerprintError.unreadable(path: source, reason: "it changed while being stored in the cache")
        }
    }

    /// The manifest of a stored directory.
    public func manifest(_ sha256: String) throws(FingerprintError) -> [ManifestEntry] {
        let file = path(sha256, isDirectory: true)
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw FingerprintError.unreadable(path: file, reason: "not in the cache")
        }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3, let size = Int64(f[2]) else { return nil }
            return ManifestEntry(path: String(f[0]), sha256: String(f[1]), size: size)
        }
    }

    /// Restores `digest` to the workspace path `absolute`, replacing what is there.
    public func restore(_ digest: FileDigest, to absolute: String) throws(FingerprintError) {
        guard digest.isDirectory else {
            try AtomicFile.copy(path(digest.sha256), to: absolute, mode: 0o644)
            return
        }
        let entries = try manifest(digest.sha256)
        let staging = absolute + ".proj-restore-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: staging)
        for entry in entries { try AtomicFile.copy(path(entry.sha256), to: staging + "/" + entry.path, mode: 0o644, durable: false) }
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            if FileSystem.stat(absolute) != nil { try FileManager.default.removeItem(atPath: absolute) }
            try FileManager.default.moveItem(atPath: staging, toPath: absolute)
        } catch {
            throw FingerprintError.unwritable(path: absolute, reason: error.localizedDescription)
        }
    }

    /// Every object file name (digest, with `.dir` for manifests) in the cache.
    public func allObjects() -> [String] {
        let fm = FileManager.default
        var result: [String] = []
        for prefix in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where prefix.count == 2 {
            for rest in (try? fm.contentsOfDirectory(atPath: directory + "/" + prefix)) ?? [] where !rest.hasPrefix(".") {
                result.append(prefix + rest)
            }
        }
        return result.sorted()
    }
}
