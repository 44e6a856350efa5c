import YAML

/// A store's index: name -> version -> the archive holding it.
public struct StoreIndex: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// SHA-256 of the archive (the object's name).
        public var sha256: String
        public var size: Int64
        /// The manifest checksum: the same content in another compression has the same one.
        public var manifest: String
        /// The archive's file name (`name-version.tar` or `.tar.zst`).
        public var file: String
        /// Key id of the signer, when signed.
        public var signedBy: String?
    }

    public var bundles: [String: [String: Entry]] = [:]

    public init() {}

    /// Versions of `name`, oldest first (semantic-version order, then text).
    public func versions(of name: String) -> [String] {
        (bundles[name] ?? [:]).keys.sorted { a, b in
            switch (SemVer(a), SemVer(b)) {
            case (let x?, let y?): return x < y
            case (nil, _?): return true
            case (_?, nil): return false
            default: return a < b
            }
        }
    }

    public var yaml: String {
        let value = Value.map(bundles.keys.sorted().map { name in
            .init(name, .map(versions(of: name).map { version in
                let e = bundles[name]![version]!
                var fields: [Value.Entry] = [.init("file", .string(e.file)), .init("manifest", .string(e.manifest)),
                                             .init("sha256", .string(e.sha256)), .init("size", .int(Int(e.size)))]
                if let s = e.signedBy { fields.append(.init("signed_by", .string(s))) }
                return .init(version, .map(fields))
            }))
        })
        return "# proj bundle store index\n" + YAMLEmitter.emit(value, flowDepth: 2)
    }

    public static func parse(_ text: String, file: String) throws(BundleError) -> StoreIndex {
        var index = StoreIndex()
        let root: Value
        do { root = try YAMLParser.parse(text, file: file, limits: .untrusted)?.value ?? .map([]) } catch { throw .store("store index is damaged: \(error.headline)") }
        guard case .map(let names) = root else { throw .store("store index is damaged: \(file) is not a mapping") }
        for name in names {
            guard case .map(let versions) = name.value else { throw .store("store index is damaged: \(name.key) is not a mapping") }
            for v in versions {
                guard let sha = v.value["sha256"]?.string, let file = v.value["file"]?.string,
                      let manifest = v.value["manifest"]?.string, case .int(let size)? = v.value["size"] else {
                    throw .store("store index is damaged: \(name.key)@\(v.key) lacks sha256, size, manifest or file")
                }
                index.bundles[name.key, default: [:]][v.key] = Entry(sha256: sha, size: Int64(size), manifest: manifest, file: file,
                                                                     signedBy: v.value["signed_by"]?.string)
            }
        }
        return index
    }
}
