import Foundation
import Remote

/// Where bundles are shared between machines, on any object store (a directory, S3): archives by the
/// SHA-256 of their bytes under `objects/`, and `index.yaml` mapping name -> version -> archive. The index
/// changes only by conditional writes (If-Match on the version read, If-None-Match when there was none), so
/// concurrent pushes of different versions each land, tried again when another came first.
public struct BundleStore: Sendable {
    public let objects: any ObjectStore
    /// Conditional index writes tried before giving up.
    public var attempts = 20

    public init(_ objects: any ObjectStore) {
        self.objects = objects
    }

    /// How the store is named to the user.
    public var location: String { objects.location }

    static let indexKey = "index.yaml"

    /// The current index (empty for a new store) and its tag.
    func readTagged() async throws(BundleError) -> (StoreIndex, String?) {
        let found: (data: Data, tag: String)?
        do { found = try await objects.get(BundleStore.indexKey) } catch { throw .store("\(error)") }
        guard let (data, tag) = found else { return (StoreIndex(), nil) }
        return (try StoreIndex.parse(String(decoding: data, as: UTF8.self), file: location + "/" + BundleStore.indexKey), tag)
    }

    public func readIndex() async throws(BundleError) -> StoreIndex { try await readTagged().0 }

    /// Applies `change` to the index and writes it only over the version it read; when another writer came
    /// first, reads again and re-applies, pausing a random while between tries.
    public func updateIndex(_ change: (inout StoreIndex) throws(BundleError) -> Void) async throws(BundleError) {
        for _ in 0..<attempts {
            var (index, tag) = try await readTagged()
            try change(&index)
            let written: Bool
            do {
                written = try await objects.put(BundleStore.indexKey, Data(index.yaml.utf8), condition: tag.map { .unchanged(tag: $0) } ?? .absent)
            } catch { throw .store("\(error)") }
            if written { return }
            try? await Task.sleep(nanoseconds: UInt64.random(in: 20_000_000...200_000_000))
        }
        throw .store("\(location)/\(BundleStore.indexKey) kept changing under \(attempts) tries to update it; try again")
    }

    /// Whether an archive with this digest is present.
    public func hasObject(_ digest: String) async throws(BundleError) -> Bool {
        do { return try await objects.head(ObjectStores.objectKey(digest)) != nil } catch { throw .store("\(error)") }
    }

    /// Uploads the file as object `digest` (the caller has checked the digest).
    public func putObject(from file: String, digest: String, size: Int64) async throws(BundleError) {
        do { try await objects.upload(ObjectStores.objectKey(digest), from: file, size: size) } catch { throw .store("\(error)") }
    }

    /// Downloads object `digest` to `file`, checked against the digest before it lands.
    public func getObject(_ digest: String, to file: String) async throws(BundleError) {
        let found: Bool
        do { found = try await objects.download(ObjectStores.objectKey(digest), to: file, sha256: digest, mode: 0o644) } catch { throw .store("\(error)") }
        guard found else { throw .store("the store \(location) lists object \(digest) but does not hold it") }
    }
}
