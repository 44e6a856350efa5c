import Crypto
import Fingerprint
import Foundation
import Remote

/// What a push sent.
public struct PushReport: Sendable {
    /// Objects sent, their bytes, and the packs they went in.
    public var sent = 0
    public var bytes: Int64 = 0
    public var packs = 0
    /// Objects the remote had already.
    public var present = 0
    public var runEntries = 0
    /// Locked outs this cache lacks (nothing to send for them), as (stage, path).
    public var notCached: [(stage: String, path: String)] = []
}

extension DataSync {
    /// Sends the cache objects of the selected stages' locked outs and their run-cache entries (those whose
    /// objects are all here). With `rescan`, what the record knows is asked again.
    public func push(_ targets: [String], rescan: Bool = false) async throws(RunnerError) -> PushReport {
        var report = PushReport()
        var wanted = Wanted()
        let locked = try lockedStages(targets)
        for (stage, path, digest) in DataSync.outs(of: locked) where !addLocal(digest, path: path, to: &wanted) {
            report.notCached.append((stage, path))
        }
        let names = Set(locked.map(\.stage.name))
        var entries: [Lock] = []
        for entry in workspace.runCache.all() where names.contains(entry.stage) {
            var extra = Wanted()
            // An entry goes up only with every object it names (those of the current locks are known already).
            if entry.outs.allSatisfy({ holds(wanted, $0.value) || addLocal($0.value, path: $0.key, to: &extra) }) {
                wanted.files.merge(extra.files) { a, _ in a }
                wanted.dirs.merge(extra.dirs) { a, _ in a }
                wanted.owner.merge(extra.owner) { a, _ in a }
                entries.append(entry)
            }
        }
        if rescan { record.forget() }
        do throws(RemoteError) {
            let inventory = try await Inventory.read(store, record: record)
            let present = try await inventory.present(wanted.files.merging(wanted.dirs) { a, _ in a }, jobs: jobs)
            report.present = present.count
            // Files first, then the listings that name them, then the run-cache entries that name both.
            for group in [wanted.files, wanted.dirs] {
                let missing = group.filter { !present.contains($0.key) }
                let (sent, bytes, packs) = try await send(missing)
                report.sent += sent
                report.bytes += bytes
                report.packs += packs
            }
            report.runEntries = try await sendRunEntries(entries)
        } catch {
            throw .remote(error)
        }
        return report
    }

    /// Sends objects: small ones in packs (pack, then its index), large ones one each.
    func send(_ objects: [String: Int64]) async throws(RemoteError) -> (Int, Int64, Int) {
        let small = objects.filter { $0.value < packLimit }.sorted { $0.key < $1.key }
        let single = objects.filter { $0.value >= packLimit }.keys.sorted().map { [$0] }
        var jobsList = single
        var pack: [String] = [], filled: Int64 = 0
        for (name, size) in small {
            pack.append(name)
            filled += size
            if filled >= packSize {
                jobsList.append(pack)
                pack = []
                filled = 0
            }
        }
        if !pack.isEmpty { jobsList.append(pack) }
        let packs = jobsList.count - single.count
        let store = store, record = record
        _ = try await Parallel.map(jobsList, jobs: jobs) { [self] (job: [String]) throws(RemoteError) in
            if job.count == 1, let size = objects[job[0]], size >= packLimit {
                try await store.upload(ObjectStores.objectKey(job[0]), from: localPath(job[0]), size: size)
                record.noteLoose(job)
                return
            }
            let (data, index) = try buildPack(job)
            _ = try await store.put(PackIndex.packKey(index.pack), data, condition: .always)
            _ = try await store.put(PackIndex.indexKey(index.pack), Data(index.text.utf8), condition: .always)
            record.savePackIndex(index)
        }
        return (objects.count, objects.values.reduce(0, +), packs)
    }

    /// The pack of `names`, each object read from the cache and checked against its name on the way: a
    /// damaged object is never sent.
    func buildPack(_ names: [String]) throws(RemoteError) -> (Data, PackIndex) {
        var data = Data()
        var entries: [PackIndex.Entry] = []
        for name in names {
            let path = localPath(name)
            guard let bytes = FileManager.default.contents(atPath: path) else { throw .io("cannot read cache object \(path) to push it") }
            let actual = Hex.sha256(bytes)
            guard actual == String(name.prefix(64)) else {
                throw .corrupt("cache object \(path) is damaged (its content hashes to \(actual.prefix(12))…): not pushed; `proj repro` makes it again")
            }
            entries.append(.init(name: name, offset: Int64(data.count), size: Int64(bytes.count)))
            data.append(bytes)
        }
        return (data, PackIndex(pack: Hex.sha256(data), size: Int64(data.count), entries: entries))
    }

    /// Sends the run-cache entries the remote lacks.
    func sendRunEntries(_ entries: [Lock]) async throws(RemoteError) -> Int {
        guard !entries.isEmpty else { return 0 }
        let there = Set(try await store.list(under: "runs").map(\.key))
        let missing = entries.filter { !there.contains(DataSync.runKey($0.fingerprint)) }
        let store = store
        _ = try await Parallel.map(missing, jobs: jobs) { (entry: Lock) throws(RemoteError) in
            _ = try await store.put(DataSync.runKey(entry.fingerprint), Data(entry.yaml.utf8), condition: .always)
        }
        return missing.count
    }

    static func runKey(_ fingerprint: String) -> String { "runs/\(fingerprint).lock" }
}
