import Fingerprint
import Foundation
import Glibc

/// Objects in a directory (local disk or NFS): each key a file under `root`, every file landing by
/// temporary file + fsync + rename, so readers never see part of one. Conditional writes hold the
/// directory's `.lock` (flock) while they compare and rename; a tag is the SHA-256 of the content.
public struct DirectoryObjectStore: ObjectStore {
    public let remote: String
    public let root: String
    public var location: String { root }
    public var identity: String { "file://" + root }

    public init(remote: String, root: String) {
        self.remote = remote
        self.root = root
    }

    func path(_ key: String) -> String { root + "/" + key }

    public func put(_ key: String, _ data: Data, condition: WriteCondition) async throws(RemoteError) -> Bool {
        let target = path(key)
        guard condition != .always else {
            try write(data, to: target)
            return true
        }
        try makeRoot()
        let lock: FileLock
        do { lock = try FileLock(path: root + "/.lock", wait: 60) { _ in } } catch {
            throw .io("remote '\(remote)': cannot lock \(root) to write \(key): \(error)")
        }
        defer { withExtendedLifetime(lock) {} }
        let current = FileManager.default.contents(atPath: target).map(Hex.sha256)
        switch condition {
        case .absent where current != nil: return false
        case .unchanged(let tag) where current != tag: return false
        default: break
        }
        try write(data, to: target)
        return true
    }

    public func upload(_ key: String, from file: String, size: Int64) async throws(RemoteError) {
        try makeRoot()
        do { try AtomicFile.copy(file, to: path(key), mode: 0o444) } catch {
            throw .io("remote '\(remote)': cannot copy \(file) to \(path(key)): \(error)")
        }
    }

    public func get(_ key: String) async throws(RemoteError) -> (data: Data, tag: String)? {
        let file = path(key)
        guard FileSystem.stat(file)?.kind == .file else { return nil }
        guard let data = FileManager.default.contents(atPath: file) else { throw .io("remote '\(remote)': cannot read \(file)") }
        return (data, Hex.sha256(data))
    }

    public func download(_ key: String, to target: String, sha256: String, mode: Int) async throws(RemoteError) -> Bool {
        let file = path(key)
        guard FileSystem.stat(file)?.kind == .file else { return false }
        do { try AtomicFile.copy(file, to: target, mode: mode, sha256: sha256) } catch {
            if case .corrupt(_, let expected, let actual, _) = error {
                throw .corrupt("remote '\(remote)' holds other bytes under \(key) than asked for (sha256 \(actual.prefix(12))…, not \(expected.prefix(12))…): nothing was kept")
            }
            throw .io("remote '\(remote)': cannot copy \(key) to \(target): \(error)")
        }
        return true
    }

    public func head(_ key: String) async throws(RemoteError) -> Int64? {
        guard let stat = FileSystem.stat(path(key)), stat.kind == .file else { return nil }
        return stat.size
    }

    public func list(under: String) async throws(RemoteError) -> [(key: String, size: Int64)] {
        var out: [(key: String, size: Int64)] = []
        func walk(_ relative: String) {
            for name in FileSystem.list(path(relative)) where !name.hasPrefix(".") {
                let key = relative.isEmpty ? name : relative + "/" + name
                guard let stat = FileSystem.stat(path(key)) else { continue }
                if stat.kind == .directory { walk(key) } else if stat.kind == .file { out.append((key, stat.size)) }
            }
        }
        walk(under)
        return out
    }

    public func delete(_ key: String) async throws(RemoteError) {
        if unlink(path(key)) != 0 && errno != ENOENT { throw .io("remote '\(remote)': cannot delete \(path(key)): \(FileSystem.errorText())") }
    }

    private func makeRoot() throws(RemoteError) {
        do { try FileSystem.makeDirectories(root) } catch { throw .io("remote '\(remote)': cannot create \(root): \(error)") }
    }

    private func write(_ data: Data, to target: String) throws(RemoteError) {
        do { try AtomicFile.write(data, to: target, mode: 0o444) } catch { throw .io("remote '\(remote)': cannot write \(target): \(error)") }
    }
}
