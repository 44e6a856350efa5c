import Fingerprint
import ProjectModel
import YAML

/// `bundle.yaml`: what a bundle is and the digest of every other entry in it.
///
/// It holds no timestamps and no host names, so the same inputs always give the same bytes,
/// and `bundle.sig` signs exactly these bytes.
public struct Manifest: Sendable, Equatable {
    /// The bundle format this tool writes; `known` lists the ones it reads.
    public static let format = ToolVersion.bundleFormat
    public static let known: Set<Int> = [1]
    /// Fixed entry names.
    public static let entryName = "bundle.yaml"
    public static let signatureName = "bundle.sig"

    public struct File: Sendable, Equatable {
        public var sha256: String
        public var size: Int64
        public var executable: Bool
    }

    public var format: Int
    public var name: String
    public var version: String
    public var flavor: String
    /// The model's entry file or directory inside the bundle (`model/model.ubj`).
    public var entry: String
    public var schema: Value
    public var metrics: Value
    public var params: Value
    /// `tool`, `stages` (each stage's lock) and, when built from a stale pipeline, `stale`.
    public var provenance: Value
    public var files: [String: File]

    /// Total bytes of the listed files.
    public var totalSize: Int64 { files.values.reduce(0) { $0 + $1.size } }

    /// Stages that were stale when the bundle was built (`--allow-stale`).
    public var stale: [String] {
        guard case .list(let items)? = provenance["stale"] else { return [] }
        return items.compactMap(\.string)
    }

    /// The canonical text: sections in a fixed order, keys sorted, one line per file.
    public var yaml: String {
        func section(_ key: String, _ value: Value, flowDepth: Int = .max) -> String {
            YAMLEmitter.emit(.map([.init(key, value)]), flowDepth: flowDepth)
        }
        let fileList = Value.map(files.keys.sorted(by: Manifest.byteOrder).map { name in
            let f = files[name]!
            var entries: [Value.Entry] = [.init("sha256", .string(f.sha256)), .init("size", .int(Int(f.size)))]
            if f.executable { entries.append(.init("mode", .string("0755"))) }
            return .init(name, .map(entries))
        })
        return section("format", .int(format)) + section("name", .string(name)) + section("version", .string(version))
            + section("flavor", .string(flavor)) + section("entry", .string(entry))
            + section("schema", schema, flowDepth: 3) + section("metrics", metrics) + section("params", params)
            + section("provenance", provenance, flowDepth: 4) + section("files", fileList, flowDepth: 2)
    }

    /// The bytes of bundle.yaml: `yaml`, then a last line with the SHA-256 of everything before it,
    /// so a damaged manifest is caught even when the bundle is not signed.
    public var document: [UInt8] {
        let body = yaml
        return Array((body + Manifest.checksumKey + ": " + Hex.sha256(Array(body.utf8)) + "\n").utf8)
    }

    static let checksumKey = "manifest_sha256"

    /// The manifest's own checksum (the content identity of a bundle), checked against its body.
    static func checksum(_ bytes: [UInt8]) throws(BundleError) -> String {
        guard bytes.last == UInt8(ascii: "\n") else { throw .invalid(entry: entryName, reason: "does not end in a newline (truncated?)") }
        let body = bytes.dropLast()
        let start = body.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? body.startIndex
        let line = String(decoding: body[start...], as: UTF8.self)
        let prefix = checksumKey + ": "
        guard line.hasPrefix(prefix) else { throw .invalid(entry: entryName, reason: "the last line must be `\(checksumKey): <sha256>`") }
        let recorded = String(line.dropFirst(prefix.count))
        let actual = Hex.sha256(bytes[..<start])
        guard recorded == actual else {
            throw .invalid(entry: entryName, reason: "its checksum does not match its content (recorded \(recorded.prefix(64)), computed \(actual)): the manifest was altered or damaged")
        }
        return actual
    }

    /// Entry names in the order tar entries are written: plain byte order.
    static func byteOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Parses bundle.yaml bytes; errors name `bundle.yaml` and what is wrong.
    public static func parse(_ bytes: [UInt8]) throws(BundleError) -> Manifest {
        _ = try checksum(bytes)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalid(entry: entryName, reason: "not UTF-8 text")
        }
        let root: Value
        do {
            guard let node = try YAMLParser.parse(text, file: entryName, limits: .untrusted) else { throw BundleError.invalid(entry: entryName, reason: "empty") }
            root = node.value
        } catch let error as SourceError {
            throw .invalid(entry: entryName, reason: error.headline)
        } catch {
            throw .invalid(entry: entryName, reason: "\(error)")
        }
        func fail(_ reason: String) -> BundleError { .invalid(entry: entryName, reason: reason) }
        guard case .int(let format)? = root["format"] else { throw fail("missing `format` (the bundle format version)") }
        guard known.contains(format) else {
            throw fail("bundle format \(format) is not known to this proj (it reads \(known.sorted().map(String.init).joined(separator: ", "))); upgrade proj")
        }
        func string(_ key: String) throws(BundleError) -> String {
            guard let s = root[key]?.string, !s.isEmpty else { throw fail("missing `\(key)`") }
            return s
        }
        guard case .map(let entries)? = root["files"] else { throw fail("missing `files`") }
        var files: [String: File] = [:]
        for e in entries {
            if let problem = Paths.problem(e.key) { throw .invalid(entry: e.key, reason: "listed in bundle.yaml with an unsafe name: \(problem)") }
            guard e.key != entryName, e.key != signatureName else { throw fail("`files` must not list \(e.key)") }
            guard let sha = e.value["sha256"]?.string, sha.utf8.count == 64, sha.utf8.allSatisfy(Hex.isDigit),
                  case .int(let size)? = e.value["size"], size >= 0 else {
                throw fail("`files.\(e.key)` needs `sha256` (64 hex digits) and `size` (bytes)")
            }
            files[e.key] = File(sha256: sha.lowercased(), size: Int64(size), executable: e.value["mode"]?.string == "0755")
        }
        if let (name, reason) = Paths.collision(in: entries.lazy.map(\.key)) { throw .invalid(entry: name, reason: "listed in bundle.yaml: \(reason)") }
        let entry = try string("entry")
        guard files.keys.contains(where: { Paths.isWithin($0, entry) }) else {
            throw fail("`entry` \(entry) is not among the files")
        }
        return Manifest(format: format, name: try string("name"), version: try string("version"), flavor: try string("flavor"),
                        entry: entry, schema: root["schema"] ?? .null, metrics: root["metrics"] ?? .map([]),
                        params: root["params"] ?? .map([]), provenance: root["provenance"] ?? .map([]), files: files)
    }
}
