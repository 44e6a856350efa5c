import Fingerprint
import YAML

/// `bundles/index.yaml` (committed): every version built here, with its manifest checksum, so a
/// version can never be rebuilt with different content even after its tar was deleted.
struct LocalIndex {
    struct Record: Equatable {
        var manifest: String
        var archives: [String: String]
    }

    var records: [String: [String: Record]] = [:]
    let path: String

    static let file = "index.yaml"

    init(directory: String) {
        path = directory + "/" + LocalIndex.file
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let node = try? YAMLParser.parse(text, file: "bundles/index.yaml", limits: .untrusted), case .map(let names) = node.value else { return }
        for name in names {
            guard case .map(let versions) = name.value else { continue }
            for v in versions {
                guard let manifest = v.value["manifest"]?.string else { continue }
                var archives: [String: String] = [:]
                if case .map(let files)? = v.value["archives"] {
                    for f in files { if let sha = f.value.string { archives[f.key] = sha } }
                }
                records[name.key, default: [:]][v.key] = Record(manifest: manifest, archives: archives)
            }
        }
    }

    func save() throws(BundleError) {
        let value = Value.map(records.keys.sorted().map { name in
            .init(name, .map(records[name]!.keys.sorted().map { version in
                let r = records[name]![version]!
                return .init(version, .map([
                    .init("manifest", .string(r.manifest)),
                    .init("archives", .map(r.archives.keys.sorted().map { .init($0, .string(r.archives[$0]!)) })),
                ]))
            }))
        })
        do { try AtomicFile.write(YAMLEmitter.emit(value, flowDepth: 3), to: path) } catch { throw .file(error) }
    }
}

/// The bundles recorded in a project's `bundles/index.yaml`: what a run built is what is new there after it.
public enum BundleIndex {
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var version: String
        /// The manifest's checksum.
        public var manifest: String
    }

    public static func entries(root: String) -> Set<Entry> {
        let index = LocalIndex(directory: root + "/bundles")
        return Set(index.records.flatMap { name, versions in versions.map { Entry(name: name, version: $0.key, manifest: $0.value.manifest) } })
    }
}
