import Fingerprint
import Foundation
import Glibc
import ProjectModel

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
            if FileManager.default.contents(atPath: target).map(Hex.sha256) != digest.sha256 { try AtomicFile.write(text, to: target, mode: 0o444) }
        } else {
            try storeFile(absolute, sha256: digest.sha256, size: digest.size)
        }
    }

    private func storeFile(_ source: String, sha256: String, size: Int64) throws(FingerprintError) {
        let target = path(sha256)
        // An object of the right size may still be damaged: keep it only when its content matches its name.
        if FileSystem.stat(target)?.size == size, (try? FileSystem.sha256(path: target, buffer: HashBuffer(size: 1 << 16)))?.hex == sha256 {
            return
        }
        do {
            try AtomicFile.copy(source, to: target, mode: 0o444, sha256: sha256)
        } catch .corrupt {
            // The workspace file changed between hashing and copying; nothing was installed.
            throw FingerprintError.unreadable(path: source, reason: "it changed while being stored in the cache")
        }
    }

    /// The manifest of a stored directory, checked against its digest; every listed path must be safe.
    public func manifest(_ sha256: String) throws(FingerprintError) -> [ManifestEntry] {
        let file = path(sha256, isDirectory: true)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw FingerprintError.unreadable(path: file, reason: "not in the cache")
        }
        let actual = Hex.sha256(data)
        guard actual == sha256 else { throw corrupt(file, expected: sha256, actual: actual) }
        var entries: [ManifestEntry] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3, let size = Int64(f[2]), Paths.problem(String(f[0])) == nil else {
                throw corrupt(file, expected: sha256, actual: "a listing with an unreadable or unsafe line")
            }
            entries.append(ManifestEntry(path: String(f[0]), sha256: String(f[1]), size: size))
        }
        return entries
    }

    /// Restores `digest` to the workspace path `absolute`, replacing what is there. Every object is hashed
    /// while it is copied; a damaged one is moved aside to `corrupt/` and refused (`.corrupt`), and the
    /// workspace path is left as it was.
    public func restore(_ digest: FileDigest, to absolute: String) throws(FingerprintError) {
        guard digest.isDirectory else {
            try restoreFile(digest.sha256, to: absolute, durable: true)
            return
        }
        let entries = try manifest(digest.sha256)
        let (parent, _) = TemporaryPath.split(absolute)
        try FileSystem.makeDirectories(parent)
        let staging = try FileSystem.makeTemporaryDirectory(beside: absolute)
        do throws(FingerprintError) {
            for entry in entries { try restoreFile(entry.sha256, to: staging + "/" + entry.path, durable: false) }
            chmod(staging, 0o755)
            if FileSystem.stat(absolute) != nil { FileSystem.removeTree(absolute) }
            guard rename(staging, absolute) == 0 else { throw FingerprintError.unwritable(path: absolute, reason: FileSystem.errorText()) }
        } catch {
            FileSystem.removeTree(staging)
            throw error
        }
    }

    /// Copies an object out, hashing it on the way: through a temporary file and a rename when `durable`
    /// (a file restored in place), straight into a staging directory otherwise (renamed whole afterwards).
    private func restoreFile(_ sha256: String, to target: String, durable: Bool) throws(FingerprintError) {
        let object = path(sha256)
        do {
            if durable {
                try AtomicFile.copy(object, to: target, mode: 0o644, durable: true, sha256: sha256)
            } else {
                try AtomicFile.copyIntoStaging(object, to: target, mode: 0o644, sha256: sha256)
            }
        } catch .corrupt(_, let expected, let actual, _) {
            throw corrupt(object, expected: expected, actual: actual)
        }
    }

    /// Moves a damaged object to `corrupt/` (so it is never restored again and a re-run stores a good
    /// copy) and returns the error naming both places.
    func corrupt(_ object: String, expected: String, actual: String) -> FingerprintError {
        let aside = directory + "/corrupt/" + TemporaryPath.split(object).1 + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        if (try? FileSystem.makeDirectories(directory + "/corrupt")) != nil, rename(object, aside) == 0 {
            return .corrupt(path: object, expected: expected, actual: actual, movedTo: aside)
        }
        return .corrupt(path: object, expected: expected, actual: actual)
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
