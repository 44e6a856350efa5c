import Foundation

/// Where bundles are shared between machines. Objects are stored by the SHA-256 of the archive;
/// an index maps name -> version -> object. A store only needs these few operations, so other
/// backends (S3) can follow without touching push, pull or list.
public protocol BundleStore: Sendable {
    /// How the store is named to the user.
    var location: String { get }
    /// The current index (empty for a new store).
    func readIndex() throws(BundleError) -> StoreIndex
    /// Applies `change` to the index atomically with respect to other writers.
    func updateIndex(_ change: (inout StoreIndex) throws(BundleError) -> Void) throws(BundleError)
    /// Whether an object with this digest is present.
    func hasObject(_ digest: String) -> Bool
    /// Uploads the file as object `digest` (the caller has checked the digest).
    func putObject(from file: String, digest: String) throws(BundleError)
    /// Downloads object `digest` to `file`.
    func getObject(_ digest: String, to file: String) throws(BundleError)
}

/// Opens a store from what the user typed: a directory path or a `file://` URL.
public enum Stores {
    public static func open(_ text: String) throws(BundleError) -> any BundleStore {
        if let schemeEnd = text.range(of: "://") {
            let scheme = String(text[..<schemeEnd.lowerBound])
            guard scheme == "file" else {
                throw .usage("unsupported store '\(text)': use a directory or a file:// URL (\(scheme):// stores are not available yet)")
            }
            guard let url = URL(string: text), url.isFileURL, !url.path.isEmpty else { throw .usage("malformed store URL '\(text)'") }
            return DirectoryStore(root: url.path)
        }
        return DirectoryStore(root: URL(fileURLWithPath: text).standardizedFileURL.path)
    }
}
