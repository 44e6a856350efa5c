import Fingerprint
import Foundation
import Glibc
import Remote

/// What a fetch brought.
public struct FetchReport: Sendable {
    public var fetched = 0
    public var bytes: Int64 = 0
    /// Objects already in the cache.
    public var cached = 0
}

extension DataSync {
    /// Downloads into `.proj/cache` the objects of the selected stages' locked outs that the cache lacks.
    public func fetch(_ targets: [String]) async throws(RunnerError) -> FetchReport {
        let outs = try lockedOuts(targets)
        do { return try await fetch(outs.map { ($0.path, $0.digest) }) } catch { throw .remote(error) }
    }

    /// Downloads the objects of `outs` (path, digest) the cache lacks: directory listings first (they say
    /// which files a directory needs), then files. Every object is checked against its name before it lands;
    /// objects the remote lacks are named together at the end.
    func fetch(_ outs: [(path: String, digest: FileDigest)]) async throws(RemoteError) -> FetchReport {
        var report = FetchReport()
        let inventory = try await Inventory.read(store, record: record)
        var listings: [String: Int64] = [:], owner: [String: String] = [:]
        // Each listing is read (and checked) once: from the cache when it is there, else after its download.
        var manifests: [String: [ManifestEntry]] = [:]
        for (path, digest) in outs where digest.isDirectory {
            let name = digest.sha256 + ".dir"
            owner[name] = path
            if let entries = try? workspace.cache.manifest(digest.sha256) {
                manifests[digest.sha256] = entries
                report.cached += 1
            } else {
                listings[name] = -1
            }
        }
        var missing = try await download(listings, inventory: inventory, report: &report)
        var files: [String: Int64] = [:]
        for (path, digest) in outs {
            if digest.isDirectory {
                guard let entries = manifests[digest.sha256] ?? (try? workspace.cache.manifest(digest.sha256)) else { continue }
                for entry in entries {
                    owner[entry.sha256] = path + "/" + entry.path
                    files[entry.sha256] = entry.size
                }
            } else {
                owner[digest.sha256] = path
                files[digest.sha256] = digest.size
            }
        }
        let lacking = files.filter { FileSystem.stat(localPath($0.key))?.size != $0.value }
        report.cached += files.count - lacking.count
        missing += try await download(lacking, inventory: inventory, report: &report)
        guard missing.isEmpty else {
            let named = missing.sorted().prefix(5).map { "\(owner[$0] ?? "?") (\($0.prefix(12))…)" }.joined(separator: ", ")
            throw .missing("remote '\(store.remote)' lacks \(missing.count) object\(missing.count == 1 ? "" : "s") of these outs: \(named)\(missing.count > 5 ? ", …" : ""); `proj push` from a machine that has them sends them (with --rescan if it believes it did)")
        }
        return report
    }

    /// Downloads `objects` (name -> size, -1 when not known) into the cache: whole packs for packed ones
    /// (split and checked object by object), single downloads for the rest. Returns the names the remote
    /// lacks.
    func download(_ objects: [String: Int64], inventory: Inventory, report: inout FetchReport) async throws(RemoteError) -> [String] {
        guard !objects.isEmpty else { return [] }
        var byPack: [String: [String]] = [:], loose: [String] = []
        for name in objects.keys.sorted() {
            if case .packed(let pack, _, _)? = inventory.place(name) { byPack[pack, default: []].append(name) } else { loose.append(name) }
        }
        enum Job: Sendable { case pack(String, [String]), single(String) }
        let jobsList = byPack.sorted { $0.key < $1.key }.map { Job.pack($0.key, $0.value) } + loose.map(Job.single)
        let store = store, record = record
        let results = try await Parallel.map(jobsList, jobs: jobs) { [self] (job: Job) throws(RemoteError) -> (found: [String], bytes: Int64, lacking: [String]) in
            switch job {
            case .single(let name):
                let path = localPath(name)
                guard try await store.download(ObjectStores.objectKey(name), to: path, sha256: String(name.prefix(64)), mode: 0o444) else {
                    return ([], 0, [name])
                }
                record.noteLoose([name])
                return ([name], FileSystem.stat(path)?.size ?? 0, [])
            case .pack(let pack, let names):
                guard let index = inventory.packs[pack] else { return ([], 0, names) }
                return try await unpack(index, names: names)
            }
        }
        var lacking: [String] = []
        for r in results {
            report.fetched += r.found.count
            report.bytes += r.bytes
            lacking += r.lacking
        }
        if !lacking.isEmpty { record.dropLoose(Set(lacking)) }
        return lacking
    }

    /// Downloads a pack into the cache's temporary space (checked against its name), and installs the
    /// objects `names` from it, each checked against its own name.
    func unpack(_ index: PackIndex, names: [String]) async throws(RemoteError) -> (found: [String], bytes: Int64, lacking: [String]) {
        let temp = workspace.cache.directory + "/tmp/" + index.pack + ".pack"
        guard try await store.download(PackIndex.packKey(index.pack), to: temp, sha256: index.pack, mode: 0o600) else {
            return ([], 0, names)
        }
        defer { unlink(temp) }
        let fd = open(temp, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot read \(temp): \(FileSystem.errorText())") }
        defer { close(fd) }
        let places = Dictionary(index.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let wanted = names.compactMap { places[$0] }
        // The pack was checked whole against its name; each object is checked against its own name too, and
        // they land together (one sync for all).
        var buffer = [UInt8](repeating: 0, count: Int(wanted.map(\.size).reduce(0, +)))
        var ranges: [Range<Int>] = []
        var at = 0, bytes: Int64 = 0
        for entry in wanted {
            let size = Int(entry.size)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + at, size, off_t(entry.offset)) }
            guard n == size else { throw .io("cannot read \(temp): \(n < 0 ? FileSystem.errorText() : "it is shorter than its index says")") }
            let actual = Hex.sha256(buffer[at..<at + size])
            guard actual == String(entry.name.prefix(64)) else {
                throw .corrupt("remote '\(store.remote)': pack \(index.pack.prefix(12))… holds other bytes for \(entry.name.prefix(12))… than its name (sha256 \(actual.prefix(12))…): nothing was kept")
            }
            ranges.append(at..<at + size)
            at += size
            bytes += entry.size
        }
        // Slices only once the buffer is filled (a slice kept while it is written to would copy it each time).
        let files = zip(wanted, ranges).map { (bytes: buffer[$1], path: localPath($0.name)) }
        do { try AtomicFile.writeBatch(files, mode: 0o444) } catch { throw .io("cannot write \(workspace.cache.directory): \(error)") }
        return (names.filter { places[$0] != nil }, bytes, names.filter { places[$0] == nil })
    }
}
