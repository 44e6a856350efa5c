import Fingerprint
import Foundation
import Remote

/// One locked out as seen from here and from a remote.
public struct OutPlace: Sendable, Equatable {
    public var stage: String
    public var path: String
    /// Whether the local cache holds it whole.
    public var cached: Bool
    /// Whether the remote holds it whole (for a directory not cached here: its listing).
    public var onRemote: Bool
}

extension DataSync {
    /// Every cached out of the selected stages' locks, with whether this cache and the remote hold it. Asks
    /// the remote afresh (the record is refreshed, not trusted).
    public func status(_ targets: [String]) async throws(RunnerError) -> [OutPlace] {
        let outs = try lockedOuts(targets)
        do throws(RemoteError) {
            record.forget()
            let inventory = try await Inventory.read(store, record: record)
            var places: [OutPlace] = []
            var wanted: [(index: Int, names: [String: Int64])] = []
            var all: [String: Int64] = [:]
            for (stage, path, digest) in outs {
                var w = Wanted()
                let cached = addLocal(digest, path: path, to: &w)
                var names = w.files.merging(w.dirs) { a, _ in a }
                if !cached { names = [digest.isDirectory ? digest.sha256 + ".dir" : digest.sha256: digest.isDirectory ? -1 : digest.size] }
                places.append(OutPlace(stage: stage, path: path, cached: cached, onRemote: false))
                wanted.append((places.count - 1, names))
                for (name, size) in names where size >= 0 { all[name] = size }
            }
            let present = try await inventory.present(all, jobs: jobs)
            for (index, names) in wanted {
                places[index].onRemote = names.allSatisfy { name, size in
                    size >= 0 ? present.contains(name) : inventory.place(name) != nil
                }
            }
            // Listings whose size is not known here are looked up one by one.
            for i in places.indices where !places[i].onRemote && !places[i].cached {
                let name = wanted[i].names.keys.first ?? ""
                if wanted[i].names[name] == -1, try await store.head(ObjectStores.objectKey(name)) != nil { places[i].onRemote = true }
            }
            return places
        } catch {
            throw .remote(error)
        }
    }
}
