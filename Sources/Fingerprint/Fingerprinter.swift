import Foundation
import Synchronization

/// The digest of a tracked path: a file's SHA-256, or a directory's manifest digest.
public struct FileDigest: Sendable, Hashable {
    /// Hex SHA-256 of the file, or of the directory's manifest.
    public var sha256: String
    /// Bytes in the file, or in all the directory's files.
    public var size: Int64
    /// For a directory, how many files it holds; nil for a file.
    public var files: Int?

    /// Creates a digest.
    public init(sha256: String, size: Int64, files: Int? = nil) {
        self.sha256 = sha256
        self.size = size
        self.files = files
    }

    /// Whether this is a directory's digest.
    public var isDirectory: Bool { files != nil }
}

/// One file of a directory manifest.
public struct ManifestEntry: Sendable, Hashable {
    /// Path relative to the directory.
    public var path: String
    public var sha256: String
    public var size: Int64

    /// Creates an entry.
    public init(path: String, sha256: String, size: Int64) {
        self.path = path
        self.sha256 = sha256
        self.size = size
    }
}

/// Hashes files and directories under a project root, through a stat cache.
public final class Fingerprinter: Sendable {
    /// The project root all paths are relative to.
    public let root: String
    public let cache: StatCache
    private let counters = Mutex<(files: Int, bytes: Int64)>((0, 0))

    /// Creates a fingerprinter for `root` using `cache`.
    public init(root: String, cache: StatCache) {
        self.root = root
        self.cache = cache
    }

    /// Files and bytes actually read so far (cache misses).
    public var bytesRead: (files: Int, bytes: Int64) { counters.withLock { $0 } }

    /// The absolute path of a root-relative path.
    public func absolute(_ path: String) -> String {
        path.isEmpty ? root : root + "/" + path
    }

    /// The digest of `path` (root-relative), or nil when it does not exist.
    public func digest(_ path: String) throws(FingerprintError) -> FileDigest? {
        guard let st = FileSystem.stat(absolute(path)) else { return nil }
        switch st.kind {
        case .file:
            return FileDigest(sha256: try fileSHA(path, stat: st, buffer: HashBuffer()), size: st.size)
        case .directory:
            let entries = try manifest(path)
            return Fingerprinter.directoryDigest(entries)
        case .other:
            throw FingerprintError.unsupported(path: path, what: "neither a regular file nor a directory")
        }
    }

    /// The digest of a directory manifest: SHA-256 over `path<TAB>sha256<TAB>size` lines in path order.
    public static func directoryDigest(_ entries: [ManifestEntry]) -> FileDigest {
        FileDigest(sha256: Hex.sha256(Data(manifestText(entries).utf8)), size: entries.reduce(0) { $0 + $1.size }, files: entries.count)
    }

    /// The canonical manifest text of a directory.
    public static func manifestText(_ entries: [ManifestEntry]) -> String {
        entries.map { "\($0.path)\t\($0.sha256)\t\($0.size)\n" }.joined()
    }

    /// Every file under the directory `path`, sorted by relative path, hashed on all cores.
    public func manifest(_ path: String) throws(FingerprintError) -> [ManifestEntry] {
        var found: [(rel: String, stat: FileStat)] = []
        try walk(absolute(path), prefix: "", into: &found)
        let files = found.sorted { $0.rel.utf8.lexicographicallyPrecedes($1.rel.utf8) }
        let results = Mutex([String?](repeating: nil, count: files.count))
        let failure = Mutex<FingerprintError?>(nil)
        let misses = files.indices.filter { i in
            let key = path + "/" + files[i].rel
            if let sha = cache.lookup(key, stat: files[i].stat) {
                results.withLock { $0[i] = sha }
                return false
            }
            return true
        }
        let workers = misses.count > 1 ? min(Processors.available, misses.count) : 1
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let buffer = HashBuffer()
            for j in stride(from: worker, to: misses.count, by: workers) {
                let i = misses[j]
                do throws(FingerprintError) {
                    let sha = try fileSHA(path + "/" + files[i].rel, stat: files[i].stat, buffer: buffer)
                    results.withLock { $0[i] = sha }
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        let shas = results.withLock { $0 }
        return files.indices.map { ManifestEntry(path: files[$0].rel, sha256: shas[$0] ?? "", size: files[$0].stat.size) }
    }

    private func walk(_ dir: String, prefix: String, into files: inout [(rel: String, stat: FileStat)]) throws(FingerprintError) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw FingerprintError.unreadable(path: dir, reason: "cannot list directory")
        }
        for name in names {
            let full = dir + "/" + name
            let rel = prefix.isEmpty ? name : prefix + "/" + name
            guard let st = FileSystem.stat(full) else { continue }
            switch st.kind {
            case .file: files.append((rel, st))
            case .directory: try walk(full, prefix: rel, into: &files)
            case .other: throw FingerprintError.unsupported(path: full, what: "neither a regular file nor a directory")
            }
        }
    }

    /// The file's SHA-256 from the stat cache, else read with `buffer` (made only when needed: a 1 MiB
    /// allocation per cached file was most of a no-op status's time).
    private func fileSHA(_ path: String, stat: FileStat, buffer: @autoclosure () -> HashBuffer) throws(FingerprintError) -> String {
        if let sha = cache.lookup(path, stat: stat) { return sha }
        let (sha, size) = try FileSystem.sha256(path: absolute(path), buffer: buffer())
        counters.withLock {
            $0.files += 1
            $0.bytes += size
        }
        if size == stat.size { cache.record(path, stat: stat, sha256: sha) }
        return sha
    }
}
