import Bundle
import Synchronization
import Tabular
import YAML

/// A verified bundle's model, shared by every request: its identity, schema, metrics and provenance for
/// the metadata endpoints, and its predictor. A shareable predictor (no native handle) is one copy that every
/// core calls at once. Otherwise there is a copy per core, each behind its own lock; a request takes the
/// first free one, so requests on different cores do not wait for each other.
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
    /// The schema's input columns, in order.
    public let inputs: [String]
    /// The one copy every thread calls, when the predictor is shareable.
    private nonisolated(unsafe) let shared: (any Predictor)?
    private let predictors: [Slot]
    private let next = Atomic<Int>(0)

    /// Verifies the bundle at `path` with `options` (every check must pass) and loads its model: once when it
    /// is shareable, else `copies` times. With `labelIndex`, labels are answered as class indices (see
    /// `Verifier.LoadedModel.labelsAsIndices`).
    public static func load(_ path: String, options: VerifyOptions, copies: Int = 1, labelIndex: Bool = false) throws(BundleError) -> ServedModel {
        var loaded = try Verifier.load(path, options: options, copies: copies)
        if labelIndex { loaded = loaded.labelsAsIndices() }
        let m = loaded.manifest
        let signer = loaded.report.signer.map { "\($0.id) (\($0.name))" }
        return ServedModel(name: m.name, version: m.version, flavor: m.flavor, digest: loaded.report.manifestDigest ?? "",
                           schema: loaded.schema, metrics: m.metrics, provenance: summary(m.provenance), signer: signer,
                           predictors: loaded.predictors)
    }

    private init(name: String, version: String, flavor: String, digest: String, schema: Schema, metrics: Value, provenance: Value,
                 signer: String?, predictors: [any Predictor]) {
        self.name = name
        self.version = version
        self.flavor = flavor
        self.digest = digest
        self.schema = schema
        self.metrics = metrics
        self.provenance = provenance
        self.signer = signer
        inputs = schema.input.map(\.name)
        takesURL = schema.input.count == 1 && schema.input[0].name == "url" && schema.input[0].type == .string
        if predictors.count == 1, predictors[0].isShareable {
            shared = predictors[0]
            self.predictors = []
        } else {
            shared = nil
            self.predictors = predictors.map(Slot.init)
        }
    }

    /// One output row (label, probability) per row of the batch.
    public func predict(_ batch: Batch) throws -> [[Value.Entry]] {
        try using { try $0.predict(batch) }
    }

    /// The same for checked rows keyed by column.
    public func predict(_ rows: [[Value.Entry]]) throws -> [[Value.Entry]] {
        try predict(Batch(rows: rows, columns: inputs))
    }

    /// `body` run with the shared copy, or else with the first free copy (when all are busy, waiting for
    /// one, taking them in turn).
    private func using<T>(_ body: @Sendable (any Predictor) throws -> T) throws -> T {
        if let shared { return try body(shared) }
        for predictor in predictors {
            if let result = try predictor.lock.withLockIfAvailable({ try body($0) }) { return result }
        }
        let k = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return try predictors[abs(k % predictors.count)].lock.withLock { try body($0) }
    }

    /// One copy of the model and its lock.
    final class Slot: Sendable {
        let lock: Mutex<any Predictor>
        init(_ predictor: any Predictor) {
            // Each copy is handed over here and from then on reached only through the lock.
            nonisolated(unsafe) let predictor = predictor
            lock = Mutex(predictor)
        }
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
