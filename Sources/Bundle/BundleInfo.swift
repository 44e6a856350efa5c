import YAML

/// What `proj inspect` shows: read from bundle.yaml alone, nothing extracted, hashed or verified; it only
/// measures the archive's length against what the manifest declares, to notice a cut-short file.
public struct BundleInfo: Sendable {
    public var manifest: Manifest
    public var manifestDigest: String
    public var signed: Bool
    public var compression: String
    /// Why the archive cannot hold what its manifest declares (cut short, damaged), or nil.
    public var damage: String?

    public static func read(_ path: String) throws(BundleError) -> BundleInfo {
        let head = try BundleReader.manifest(at: path)
        var info = BundleInfo(manifest: head.manifest, manifestDigest: try Manifest.checksum(head.bytes), signed: head.signed,
                              compression: head.compression)
        func padded(_ n: Int64) -> Int64 { (n + 511) / 512 * 512 }
        // Every listed entry needs at least a header and its padded data, and the archive two zero blocks at the end.
        let declared = 512 + padded(Int64(head.bytes.count)) + head.manifest.files.values.reduce(0) { $0 + 512 + padded($1.size) } + 1024
        do {
            let length = try BundleReader.length(of: path, upTo: declared)
            if length < declared {
                info.damage = "the archive holds \(length) bytes but its manifest declares at least \(declared): it is cut short"
            }
        } catch {
            info.damage = error.description
        }
        return info
    }

    public var value: Value {
        let m = manifest
        return .map([
            .init("name", .string(m.name)), .init("version", .string(m.version)), .init("flavor", .string(m.flavor)),
            .init("format", .int(m.format)), .init("entry", .string(m.entry)), .init("manifest_sha256", .string(manifestDigest)),
            .init("signed", .bool(signed)), .init("compression", .string(compression)), .init("verified", .bool(false)),
            .init("damaged", damage.map(Value.string) ?? .null),
            .init("schema", m.schema), .init("metrics", m.metrics), .init("params", m.params), .init("provenance", m.provenance),
            .init("files", .map(m.files.keys.sorted(by: Manifest.byteOrder).map { name in
                .init(name, .map([.init("sha256", .string(m.files[name]!.sha256)), .init("size", .int(Int(m.files[name]!.size)))]))
            })),
        ])
    }

    public var text: String {
        let m = manifest
        var out = "NOT VERIFIED: inspect reads bundle.yaml only; run `proj verify` to check the digests, the signature and the selftest\n"
        if let damage { out += "DAMAGED: \(damage)\n" }
        out += "\(m.name) \(m.version) (\(m.flavor), bundle format \(m.format))\n"
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
