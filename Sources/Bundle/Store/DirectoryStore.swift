import Fingerprint
import Foundation

/// A store in a directory (local disk or NFS):
/// `objects/<sha256[0..2]>/<sha256>` holds archives, `index.yaml` the index, `.lock` serialises
/// index updates (flock), and every file lands by temp + fsync + rename.
public struct DirectoryStore: BundleStore {
    public let root: String
    public var location: String { root }

    public init(root: String) {
        self.root = root
    }

    var indexPath: String { root + "/index.yaml" }

    func objectPath(_ digest: String) -> String {
        root + "/objects/" + digest.prefix(2) + "/" + digest
    }

    public func readIndex() throws(BundleError) -> StoreIndex {
        guard FileSystem.stat(root)?.kind == .directory else { return StoreIndex() }
        guard FileSystem.stat(indexPath) != nil else { return StoreIndex() }
        guard let text = try? String(contentsOfFile: indexPath, encoding: .utf8) else {
            throw .store("cannot read \(indexPath)")
        }
        return try StoreIndex.parse(text, file: indexPath)
    }

    public func updateIndex(_ change: (inout StoreIndex) throws(BundleError) -> Void) throws(BundleError) {
        try ensureRoot()
        let lock: FileLock
        do {
            lock = try FileLock(path: root + "/.lock", wait: 60) { _ in }
        } catch {
            switch error {
            case .unwritable(let e): throw .file(e)
            case .busy(let holder, let waited): throw .store("the store \(root) is locked by pid \(holder) (waited \(waited) s)")
            }
        }
        var index = try readIndex()
        try change(&index)
        do { try AtomicFile.write(index.yaml, to: indexPath) } catch { throw .file(error) }
        withExtendedLifetime(lock) {}
    }

    public func hasObject(_ digest: String) -> Bool {
        FileSystem.stat(objectPath(digest))?.kind == .file
    }

    public func putObject(from file: String, digest: String) throws(BundleError) {
        try ensureRoot()
        let target = objectPath(digest)
        try copy(file, to: target, mode: 0o444)
    }

    public func getObject(_ digest: String, to file: String) throws(BundleError) {
        guard hasObject(digest) else { throw .store("the store \(root) lists object \(digest) but does not hold it") }
        try copy(objectPath(digest), to: file, mode: 0o644)
    }

    private func ensureRoot() throws(BundleError) {
        do { try FileSystem.makeDirectories(root + "/objects") } catch {
            throw .store("cannot create the store \(root): \(error)")
        }
    }

    /// Copies through a temporary file beside `target`, then renames (readers never see a partial object).
    private func copy(_ source: String, to target: String, mode: Int) throws(BundleError) {
        do { try AtomicFile.copy(source, to: target, mode: mode) } catch {
            throw .store("cannot copy \(source) to \(target): \(error)")
        }
    }
}
