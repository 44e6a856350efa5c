import ArgumentParser
import Bundle
import Foundation
import ML
import Runner
import YAML


/// Options for commands that verify bundles.
struct TrustOptions: ParsableArguments {
    @Option(name: .customLong("trust"), help: "A trusted public key file (repeatable); keys in ~/.config/proj/trusted/ and your own keys are trusted too.")
    var trust: [String] = []

    @Flag(name: .customLong("require-signature"), help: "Fail unless the bundle is signed by a trusted key.")
    var requireSignature = false

    @Option(name: .customLong("max-size"), help: "Refuse bundles declaring more than this many bytes of files (default 16 GiB).")
    var maxSize: Int64 = VerifyOptions.defaultMaxSize

    func options() throws -> VerifyOptions {
        do {
            return VerifyOptions(trusted: try KeyStore().trusted(extra: trust), requireSignature: requireSignature,
                                 maxSize: maxSize, loaders: ModelLoaders.available)
        } catch { throw fail(error) }
    }
}

extension ModelLoaders {
    /// The model loaders compiled into this proj.
    static var available: ModelLoaders { ModelLoaders.ml }
}

/// Human and JSON renderings of a verification report.
enum ReportOutput {
    static func text(_ report: VerifyReport) -> String {
        var out = "\(report.path): \(report.ok ? "OK" : "FAILED")\n"
        for check in report.checks {
            let mark = check.outcome == .passed ? "ok  " : check.outcome == .failed ? "FAIL" : "skip"
            out += "  \(mark) \(check.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(check.detail)\n"
        }
        return out
    }

    static func value(_ report: VerifyReport) -> Value {
        var entries: [Value.Entry] = [.init("path", .string(report.path)), .init("ok", .bool(report.ok))]
        if let m = report.manifest {
            entries += [.init("name", .string(m.name)), .init("version", .string(m.version)), .init("flavor", .string(m.flavor))]
        }
        if let d = report.manifestDigest { entries.append(.init("manifest_sha256", .string(d))) }
        if let c = report.compression { entries.append(.init("compression", .string(c))) }
        if let s = report.signer { entries.append(.init("signed_by", .map([.init("key_id", .string(s.id)), .init("name", .string(s.name))]))) }
        entries.append(.init("checks", .list(report.checks.map {
            .map([.init("name", .string($0.name)), .init("outcome", .string($0.outcome.rawValue)), .init("detail", .string($0.detail))])
        })))
        if let f = report.failure { entries.append(.init("error", .string(f.description))) }
        return .map(entries)
    }
}

/// Writes a value as JSON to standard output.
func printJSON(_ value: Value) {
    Output.write(JSONEmitter.emit(value))
}
