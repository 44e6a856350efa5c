import Crypto
import Fingerprint
import ProjectModel
import YAML

/// Receives a bundle's entries as they stream past (used to extract while verifying).
protocol EntrySink: AnyObject {
    func begin(_ name: String, executable: Bool) throws(BundleError)
    func write(_ chunk: ArraySlice<UInt8>) throws(BundleError)
    func end() throws(BundleError)
}

/// What one pass over a bundle found: the manifest, the signature, and the small entries the
/// later checks need. Every listed entry's size and SHA-256 were checked on the way.
struct ScannedBundle {
    var manifestBytes: [UInt8]
    var manifest: Manifest
    var signature: Signature?
    var compression: String
    /// Entries kept in memory: schema.yaml, selftest.json, metrics.json, and the model's files
    /// when a loader will need them.
    var kept: [String: [UInt8]]
    var bytesHashed: Int64
}

/// One streaming pass over a bundle archive: strict tar structure, manifest first, every entry
/// hashed once, nothing trusted before it is checked.
enum BundleReader {
    static let maxManifest: Int64 = 16 << 20
    static let maxSignature: Int64 = 64 << 10
    static let keptNames: Set<String> = ["schema.yaml", "selftest.json", "metrics.json"]
    static let maxKept: Int64 = 64 << 20

    /// Reads just bundle.yaml (the first entry), and whether a signature follows.
    static func manifest(at path: String) throws(BundleError) -> (bytes: [UInt8], manifest: Manifest, signed: Bool, compression: String) {
        let source = try ByteSource(path: path)
        let stream = TarStream(source: source, limit: maxManifest + maxSignature + 8192)
        let bytes = try readManifestEntry(stream)
        let manifest = try Manifest.parse(bytes)
        // Peek at the next header only (no data is read), whatever size it declares.
        stream.limit = .max / 2
        let next = try stream.next(after: Manifest.entryName)
        return (bytes, manifest, next.map { Paths.same($0.name, Manifest.signatureName) } ?? false, source.compression)
    }

    /// The length of the (decompressed) archive at `path`, counted up to `limit` bytes; reading it through
    /// also checks the compressed stream's framing.
    static func length(of path: String, upTo limit: Int64) throws(BundleError) -> Int64 {
        let source = try ByteSource(path: path)
        if source.compression == "none", let size = FileSystem.stat(path)?.size { return size }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total: Int64 = 0
        while total < limit {
            let n = try source.read(into: &buffer, from: 0)
            if n == 0 { break }
            total += Int64(n)
        }
        return total
    }

    private static func readManifestEntry(_ stream: TarStream) throws(BundleError) -> [UInt8] {
        guard let first = try stream.next(after: nil) else { throw .invalid(entry: nil, reason: "empty archive: not a bundle") }
        guard Paths.same(first.name, Manifest.entryName) else {
            throw .invalid(entry: first.name, reason: "the first entry of a bundle must be bundle.yaml (is this a proj bundle?)")
        }
        guard first.size <= maxManifest else { throw .invalid(entry: first.name, reason: "\(first.size) bytes is too large for a manifest") }
        return try stream.readAll(first.size, entry: first.name)
    }

    /// Streams the whole bundle, checking structure, sizes and digests; `sink` sees each listed entry.
    static func scan(_ path: String, maxSize: Int64, keepModel: Bool, sink: EntrySink? = nil) throws(BundleError) -> ScannedBundle {
        let source = try ByteSource(path: path)
        let stream = TarStream(source: source, limit: maxManifest + maxSignature + 8192)
        let manifestBytes = try readManifestEntry(stream)
        let manifest = try Manifest.parse(manifestBytes)
        guard manifest.totalSize <= maxSize else {
            throw .invalid(entry: Manifest.entryName, reason: "the bundle declares \(manifest.totalSize) bytes of files, above the limit of \(maxSize) (raise it with --max-size)")
        }
        // Every byte the rest of the archive may hold: headers, pax records, data, padding, end blocks.
        let overhead = Int64(manifest.files.count + 1) * 4096 + maxSignature + 4096
        stream.limit = stream.offset + manifest.files.values.reduce(0) { $0 + ($1.size + 511) / 512 * 512 } + overhead

        var signature: Signature?
        var kept: [String: [UInt8]] = [:]
        var seen = Set<String>()
        var previous = Manifest.entryName
        var hashed: Int64 = 0
        var index = 1
        while let header = try stream.next(after: previous) {
            defer { previous = header.name; index += 1 }
            if Paths.same(header.name, Manifest.signatureName) {
                guard index == 1 else { throw .invalid(entry: header.name, reason: "bundle.sig must directly follow bundle.yaml") }
                guard header.size <= maxSignature else { throw .invalid(entry: header.name, reason: "\(header.size) bytes is too large for a signature") }
                signature = try Signature.parse(stream.readAll(header.size, entry: header.name))
                continue
            }
            if let problem = Paths.problem(header.name) { throw .invalid(entry: header.name, reason: "unsafe entry name: \(problem)") }
            guard seen.insert(header.name).inserted else {
                throw .invalid(entry: header.name, reason: "duplicate entry")
            }
            // Swift's `==` (and so a dictionary lookup) equates canonically equivalent names: the entry must be
            // listed with exactly its bytes.
            guard let index = manifest.files.index(forKey: header.name), Paths.same(manifest.files[index].key, header.name) else {
                throw .invalid(entry: header.name, reason: Paths.same(header.name, Manifest.entryName) ? "duplicate entry" : "entry is not listed in bundle.yaml")
            }
            let listed = manifest.files[index].value
            guard header.size == listed.size else {
                throw .invalid(entry: header.name, reason: "entry is \(header.size) bytes but bundle.yaml lists \(listed.size)")
            }
            if previous != Manifest.entryName, previous != Manifest.signatureName, !Manifest.byteOrder(previous, header.name) {
                throw .invalid(entry: header.name, reason: "entries are out of order (after \(previous)); not a canonical bundle")
            }
            let keep = keptNames.contains(header.name) || (keepModel && Paths.isWithin(header.name, manifest.entry))
            if keep && keptNames.contains(header.name) && header.size > maxKept {
                throw .invalid(entry: header.name, reason: "\(header.size) bytes is too large")
            }
            var hasher = SHA256()
            var data: [UInt8] = []
            try sink?.begin(header.name, executable: listed.executable)
            try stream.readData { chunk throws(BundleError) in
                hasher.update(data: chunk)
                if keep { data.append(contentsOf: chunk) }
                try sink?.write(chunk)
            }
            let digest = Hex.encode(hasher.finalize())
            guard digest == listed.sha256 else {
                throw .invalid(entry: header.name, reason: "sha256 mismatch: bundle.yaml lists \(listed.sha256), the content hashes to \(digest)")
            }
            try sink?.end()
            hashed += header.size
            if keep { kept[header.name] = data }
        }
        if let missing = manifest.files.keys.sorted(by: Manifest.byteOrder).first(where: { !seen.contains($0) }) {
            throw .invalid(entry: missing, reason: "listed in bundle.yaml but missing from the archive")
        }
        return ScannedBundle(manifestBytes: manifestBytes, manifest: manifest, signature: signature,
                             compression: source.compression, kept: kept, bytesHashed: hashed)
    }
}
