import YAML

/// What `proj inspect` shows: read from bundle.yaml alone, nothing extracted or hashed.
public struct BundleInfo: Sendable {
    public var manifest: Manifest
    public var manifestDigest: String
    public var signed: Bool
    public var compression: String

    public static func read(_ path: String) throws(BundleError) -> BundleInfo {
        let head = try BundleReader.manifest(at: path)
        return BundleInfo(manifest: head.manifest, manifestDigest: try Manifest.checksum(head.bytes), signed: head.signed, compression: head.compression)
    }

    public var value: Value {
        let m = manifest
        return .map([
            .init("name", .string(m.name)), .init("version", .string(m.version)), .init("flavor", .string(m.flavor)),
            .init("format", .int(m.format)), .init("entry", .string(m.entry)), .init("manifest_sha256", .string(manifestDigest)),
            .init("signed", .bool(signed)), .init("compression", .string(compression)),
            .init("schema", m.schema), .init("metrics", m.metrics), .init("params", m.params), .init("provenance", m.provenance),
            .init("files", .map(m.files.keys.sorted(by: Manifest.byteOrder).map { name in
                .init(name, .map([.init("sha256", .string(m.files[name]!.sha256)), .init("size", .int(Int(m.files[name]!.size)))]))
            })),
        ])
    }

    public var text: String {
        let m = manifest
        var out = "\(m.name) \(m.version) (\(m.flavor), bundle format \(m.format))\n"
        out += "  entry      \(m.entry)\n  manifest   \(manifestDigest)\n  signed     \(signed ? "yes" : "no")\n  compression \(compression)\n"
        if !m.stale.isEmpty { out += "  STALE      built with stale stages: \(m.stale.joined(separator: ", "))\n" }
        out += "files:\n"
        for name in m.files.keys.sorted(by: Manifest.byteOrder) {
            let f = m.files[name]!
            out += "  \(f.sha256.prefix(12))  \(String(f.size).leftPad(10))  \(name)\n"
        }
        out += "metrics:\n" + lines(m.metrics) + "params:\n" + lines(m.params)
        out += "provenance:\n  tool: \(m.provenance["tool"]?.string ?? "?")\n"
        if case .map(let stages)? = m.provenance["stages"] {
            for stage in stages {
                out += "  \(stage.key): fingerprint \(stage.value["fingerprint"]?.string?.prefix(12) ?? "?")"
                if case .map(let deps)? = stage.value["deps"], !deps.isEmpty { out += ", deps " + deps.map(\.key).joined(separator: ", ") }
                out += "\n"
            }
        }
        return out
    }

    private func lines(_ value: Value) -> String {
        let flat = value.flattened()
        if flat.isEmpty || (flat.count == 1 && flat[0].key.isEmpty) { return "  (none)\n" }
        return flat.map { "  \($0.key): \($0.value.inlineText)\n" }.joined()
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
