import Bundle
import Synchronization
import YAML

/// A verified bundle's model, loaded once and shared by every request: its identity, schema, metrics and
/// provenance for the metadata endpoints, and its predictor behind a lock (a native model handle is not
/// safe to share between threads; one prediction takes microseconds).
public final class ServedModel: Sendable {
    public let name: String
    public let version: String
    public let flavor: String
    /// The manifest checksum: the bundle's content identity, the same for .tar and .tar.zst.
    public let digest: String
    public let schema: Schema
    public let metrics: Value
    public let provenance: Value
    public let signer: String?
    /// True when the schema takes one string column `url`: the server then also accepts `{"urls": [...]}`.
    public let takesURL: Bool
    private let predictor: Mutex<any Predictor>

    /// Verifies the bundle at `path` with `options` (every check must pass) and loads its model.
    public static func load(_ path: String, options: VerifyOptions) throws(BundleError) -> ServedModel {
        let loaded = try Verifier.load(path, options: options)
        let m = loaded.manifest
        let signer = loaded.report.signer.map { "\($0.id) (\($0.name))" }
        return ServedModel(name: m.name, version: m.version, flavor: m.flavor, digest: loaded.report.manifestDigest ?? "",
                           schema: loaded.schema, metrics: m.metrics, provenance: summary(m.provenance), signer: signer,
                           predictor: loaded.predictor)
    }

    private init(name: String, version: String, flavor: String, digest: String, schema: Schema, metrics: Value, provenance: Value,
                 signer: String?, predictor: sending any Predictor) {
        self.name = name
        self.version = version
        self.flavor = flavor
        self.digest = digest
        self.schema = schema
        self.metrics = metrics
        self.provenance = provenance
        self.signer = signer
        takesURL = schema.input.count == 1 && schema.input[0].name == "url" && schema.input[0].type == .string
        self.predictor = Mutex(predictor)
    }

    /// One output row (label, probability) per validated input row.
    public func predict(_ rows: [[Value.Entry]]) throws -> [[Value.Entry]] {
        try predictor.withLock { try $0.predict(rows) }
    }

    /// Each stage behind the bundle with its fingerprint and command, and whether it was built stale.
    static func summary(_ provenance: Value) -> Value {
        var entries: [Value.Entry] = []
        if let tool = provenance["tool"] { entries.append(.init("tool", tool)) }
        if case .map(let stages)? = provenance["stages"] {
            entries.append(.init("stages", .map(stages.map { stage in
                .init(stage.key, .map([.init("fingerprint", stage.value["fingerprint"] ?? .null), .init("cmd", stage.value["cmd"] ?? .null)]))
            })))
        }
        entries.append(.init("stale", provenance["stale"] ?? .list([])))
        return .map(entries)
    }
}
