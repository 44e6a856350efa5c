import Foundation

/// Where each object on a remote is: in a pack (at an offset) or single under `objects/`. Built from one
/// listing of `packs/` and the pack indexes (copied once into the local record), and from the record's
/// single objects; what it does not know it asks about, by HEAD when few, by listing `objects/` when many.
public struct Inventory: Sendable {
    public enum Place: Sendable, Equatable {
        case packed(pack: String, offset: Int64, size: Int64)
        case loose
    }

    public private(set) var packs: [String: PackIndex] = [:]
    private var packed: [String: Place] = [:]
    let store: any ObjectStore
    let record: RemoteRecord

    /// Reads what the remote holds in packs: lists `packs/`, fetches the indexes the record lacks, forgets
    /// packs no longer there.
    public static func read(_ store: any ObjectStore, record: RemoteRecord) async throws(RemoteError) -> Inventory {
        var inventory = Inventory(store: store, record: record)
        let listed = try await store.list(under: "packs")
        let keys = Set(listed.map(\.key))
        // A pack counts once its index is there too (the index is written after the pack).
        let indexed = keys.filter { $0.hasSuffix(".idx") }.map { String($0.dropFirst(6).dropLast(4)) }.filter { keys.contains(PackIndex.packKey($0)) }
        var known = record.packIndexes()
        for pack in known.keys where !indexed.contains(pack) {
            record.dropPackIndex(pack)
            known[pack] = nil
        }
        for pack in indexed where known[pack] == nil && PackIndex.isObjectName(pack) && !pack.hasSuffix(".dir") {
            guard let (data, _) = try await store.get(PackIndex.indexKey(pack)) else { continue }
            let index = try PackIndex.parse(data, pack: pack, what: "remote '\(store.remote)': \(PackIndex.indexKey(pack))")
            record.savePackIndex(index)
            known[pack] = index
        }
        inventory.packs = known
        for (pack, index) in known {
            for e in index.entries { inventory.packed[e.name] = .packed(pack: pack, offset: e.offset, size: e.size) }
        }
        return inventory
    }

    /// Where `name` is, as far as the packs and the record know.
    public func place(_ name: String) -> Place? {
        if let place = packed[name] { return place }
        return record.knowsLoose(name) ? .loose : nil
    }

    /// Which of `names` (with sizes) the remote holds: those the packs and the record know, and of the rest
    /// those found by HEAD (up to `headLimit` of them, `jobs` at a time) or else by listing `objects/`.
    public func present(_ names: [String: Int64], jobs: Int, headLimit: Int = 256) async throws(RemoteError) -> Set<String> {
        var found = Set<String>()
        var unknown: [String] = []
        for name in names.keys {
            if place(name) != nil { found.insert(name) } else { unknown.append(name) }
        }
        guard !unknown.isEmpty else { return found }
        var seen: [String] = []
        if unknown.count <= headLimit {
            let store = store
            let sizes = try await Parallel.map(unknown, jobs: jobs) { (name: String) throws(RemoteError) -> Int64? in
                try await store.head(ObjectStores.objectKey(name))
            }
            for (name, size) in zip(unknown, sizes) where size == names[name] { seen.append(name) }
        } else {
            let listed = try await store.list(under: "objects")
            var sizes: [String: Int64] = [:]
            for (key, size) in listed { sizes[String(key.split(separator: "/").last ?? "")] = size }
            for name in unknown where sizes[name] == names[name] { seen.append(name) }
        }
        record.noteLoose(seen)
        return found.union(seen)
    }
}
