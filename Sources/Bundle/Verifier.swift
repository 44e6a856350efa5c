import Tabular
import YAML

/// What `proj verify` checks, and how strictly.
public struct VerifyOptions: Sendable {
    /// Keys a signature may come from.
    public var trusted: [PublicKey]
    /// Fail when the bundle is not signed.
    public var requireSignature: Bool
    /// Check signatures against `trusted` (push only checks integrity and leaves trust to the puller).
    public var checkTrust: Bool
    /// Largest total size of files a bundle may declare.
    public var maxSize: Int64
    public var loaders: ModelLoaders

    public static let defaultMaxSize: Int64 = 16 << 30

    public init(trusted: [PublicKey] = [], requireSignature: Bool = false, checkTrust: Bool = true,
                maxSize: Int64 = VerifyOptions.defaultMaxSize, loaders: ModelLoaders = ModelLoaders()) {
        self.trusted = trusted
        self.requireSignature = requireSignature
        self.checkTrust = checkTrust
        self.maxSize = maxSize
        self.loaders = loaders
    }
}

/// One named check and its outcome.
public struct Check: Sendable, Equatable {
    public enum Outcome: String, Sendable { case passed, failed, skipped }
    public var name: String
    public var outcome: Outcome
    public var detail: String
}

/// The result of verifying a bundle: each check in order; after the first failure the rest are skipped.
public struct VerifyReport: Sendable {
    public var path: String
    public var checks: [Check]
    public var manifest: Manifest?
    /// The manifest's checksum: the bundle's content identity, equal across compressions.
    public var manifestDigest: String?
    public var compression: String?
    /// The key that signed the bundle, when the signature checked out.
    public var signer: PublicKey?
    public var failure: BundleError?
    public var ok: Bool { failure == nil }
}

/// `proj verify`: checks a bundle without trusting anything in it first.
public enum Verifier {
    public static let checkNames = ["format", "files", "signature", "schema", "selftest"]

    /// Verifies the bundle at `path`; with `sink`, entries are also handed over as they pass (extraction).
    public static func verify(_ path: String, options: VerifyOptions) -> VerifyReport {
        verify(path, options: options, sink: nil)
    }

    static func verify(_ path: String, options: VerifyOptions, sink: EntrySink?) -> VerifyReport {
        verifyKeeping(path, options: options, sink: sink).report
    }

    /// A verified bundle's model, ready to predict: what `proj predict` and `proj serve` load.
    public struct LoadedModel {
        public var manifest: Manifest
        public var schema: Schema
        /// The model loaded from the verified bytes: once when it is shareable, else `copies` times (each used by
        /// one thread at a time).
        public var predictors: [any Predictor]
        public var report: VerifyReport
        public var predictor: any Predictor { predictors[0] }
    }

    /// Verifies the bundle (every check must pass) and loads its model with the flavor's loader: `copies` times,
    /// unless the first copy is shareable between threads.
    public static func load(_ path: String, options: VerifyOptions, copies: Int = 1) throws(BundleError) -> LoadedModel {
        let (report, scanned, schema) = verifyKeeping(path, options: options, sink: nil, keepModel: true)
        if let failure = report.failure { throw failure }
        guard let scanned, let schema, let manifest = report.manifest else { throw .invalid(entry: nil, reason: "not verified") }
        guard let loader = options.loaders.byFlavor[manifest.flavor] else {
            throw .usage("this proj has no loader for flavor '\(manifest.flavor)' (it has: \(options.loaders.byFlavor.keys.sorted().joined(separator: ", ")))")
        }
        do {
            let first = try loader.load(entry: manifest.entry, files: scanned.kept, schema: schema)
            let more = first.isShareable ? 0 : max(1, copies) - 1
            let predictors = try [first] + (0..<more).map { _ in try loader.load(entry: manifest.entry, files: scanned.kept, schema: schema) }
            return LoadedModel(manifest: manifest, schema: schema, predictors: predictors, report: report)
        } catch {
            throw .invalid(entry: manifest.entry, reason: "the \(manifest.flavor) loader failed: \(error)")
        }
    }

    static func verifyKeeping(_ path: String, options: VerifyOptions, sink: EntrySink?, keepModel: Bool = false)
        -> (report: VerifyReport, scanned: ScannedBundle?, schema: Schema?) {
        var report = VerifyReport(path: path, checks: [])
        func finish(_ error: BundleError, at check: String) -> (VerifyReport, ScannedBundle?, Schema?) {
            report.failure = error
            report.checks.append(Check(name: check, outcome: .failed, detail: error.description))
            for name in checkNames.drop(while: { $0 != check }).dropFirst() {
                report.checks.append(Check(name: name, outcome: .skipped, detail: "not checked"))
            }
            return (report, nil, nil)
        }
        // Format and structure: the manifest is read first.
        let head: (bytes: [UInt8], manifest: Manifest, signed: Bool, compression: String)
        do { head = try BundleReader.manifest(at: path) } catch { return finish(error, at: "format") }
        report.manifest = head.manifest
        report.compression = head.compression
        report.manifestDigest = try? Manifest.checksum(head.bytes)
        report.checks.append(Check(name: "format", outcome: .passed, detail: "proj bundle format \(head.manifest.format), \(head.manifest.name) \(head.manifest.version) (\(head.manifest.flavor))"))

        let loader = options.loaders.byFlavor[head.manifest.flavor]
        let scanned: ScannedBundle
        do { scanned = try BundleReader.scan(path, maxSize: options.maxSize, keepModel: loader != nil || keepModel, sink: sink) } catch {
            return finish(error, at: "files")
        }
        report.checks.append(Check(name: "files", outcome: .passed,
                                   detail: "\(scanned.manifest.files.count) files, \(scanned.bytesHashed) bytes: sizes and sha256 match, nothing unlisted"))

        do {
            let (check, signer) = try signatureCheck(scanned, options: options)
            report.checks.append(check)
            report.signer = signer
        } catch { return finish(error, at: "signature") }

        let schema: Schema
        do {
            schema = try schemaCheck(scanned)
            report.checks.append(Check(name: "schema", outcome: .passed, detail: "\(schema.input.count) input and \(schema.output.count) output columns"))
        } catch { return finish(error, at: "schema") }

        do {
            report.checks.append(try selftestCheck(scanned, schema: schema, loader: loader))
        } catch { return finish(error, at: "selftest") }
        return (report, scanned, schema)
    }

    static func signatureCheck(_ scanned: ScannedBundle, options: VerifyOptions) throws(BundleError) -> (Check, PublicKey?) {
        guard let signature = scanned.signature else {
            if options.requireSignature { throw .signature("the bundle is not signed and --require-signature was given") }
            return (Check(name: "signature", outcome: .skipped, detail: "not signed"), nil)
        }
        if !options.checkTrust {
            _ = try signature.check(scanned.manifestBytes, trusted: [signature.key])
            return (Check(name: "signature", outcome: .passed, detail: "valid signature by key \(signature.key.id) (\(signature.key.name)); trust not checked"), signature.key)
        }
        let key = try signature.check(scanned.manifestBytes, trusted: options.trusted)
        return (Check(name: "signature", outcome: .passed, detail: "signed by trusted key \(key.id) (\(key.name), \(key.source))"), key)
    }

    static func schemaCheck(_ scanned: ScannedBundle) throws(BundleError) -> Schema {
        guard let bytes = scanned.kept["schema.yaml"], let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalid(entry: "schema.yaml", reason: "missing or not UTF-8")
        }
        let schema: Schema
        do { schema = try Schema.parse(text, file: "schema.yaml") } catch {
            throw .invalid(entry: "schema.yaml", reason: error.headline)
        }
        guard (try? Schema.parse(YAMLEmitter.emit(scanned.manifest.schema), file: Manifest.entryName)) == schema else {
            throw .invalid(entry: "schema.yaml", reason: "differs from the schema in bundle.yaml")
        }
        return schema
    }

    static func selftestCheck(_ scanned: ScannedBundle, schema: Schema, loader: (any ModelLoader)?) throws(BundleError) -> Check {
        guard let bytes = scanned.kept["selftest.json"] else { throw .invalid(entry: "selftest.json", reason: "missing") }
        let selftest = try Selftest.parse(bytes, schema: schema)
        let flavor = scanned.manifest.flavor
        guard let loader else {
            return Check(name: "selftest", outcome: .passed,
                         detail: "\(selftest.inputs.count) rows well-formed; this proj has no loader for flavor '\(flavor)', so outputs were not re-computed")
        }
        guard selftest.outputs != nil else {
            throw .invalid(entry: "selftest.json", reason: "no recorded outputs to compare with (the bundle was built without a '\(flavor)' loader)")
        }
        let actual: [[Value.Entry]]
        do {
            actual = try loader.load(entry: scanned.manifest.entry, files: scanned.kept, schema: schema).predict(Batch(rows: selftest.inputs, columns: schema.input.map(\.name)))
        } catch {
            throw .invalid(entry: scanned.manifest.entry, reason: "the \(flavor) loader failed: \(error)")
        }
        if let difference = selftest.difference(actual) { throw .invalid(entry: "selftest.json", reason: difference) }
        return Check(name: "selftest", outcome: .passed, detail: "\(selftest.inputs.count) rows reproduce their recorded outputs")
    }
}
