import Fingerprint
import Foundation
import ProjectModel

/// `proj bundle push`, `pull` and `list`, over a `BundleStore`.
public enum StoreClient {
    public enum PushOutcome: Sendable, Equatable { case added, alreadyPresent }

    /// Verifies the bundle's integrity, uploads it by digest, and records name@version in the index.
    /// A version already recorded with different content is refused.
    public static func push(_ bundle: String, to store: BundleStore, options: VerifyOptions) async throws(BundleError) -> (StoreIndex.Entry, String, PushOutcome) {
        var options = options
        options.checkTrust = false
        let report = Verifier.verify(bundle, options: options)
        if let failure = report.failure { throw failure }
        guard let manifest = report.manifest, let manifestDigest = report.manifestDigest else { throw .invalid(entry: nil, reason: "no manifest") }
        let (sha, size): (String, Int64)
        do { (sha, size) = try FileSystem.sha256(path: bundle, buffer: HashBuffer()) } catch { throw .file(error) }
        let signedBy = report.signer?.id
        let file = "\(manifest.name)-\(manifest.version).tar" + (report.compression == "zstd" ? ".zst" : report.compression == "gzip" ? ".gz" : "")
        let entry = StoreIndex.Entry(sha256: sha, size: size, manifest: manifestDigest, file: file, signedBy: signedBy)
        let label = "\(manifest.name)@\(manifest.version)"
        // Decide before uploading when the version is already taken.
        if let existing = try await store.readIndex().bundles[manifest.name]?[manifest.version] {
            guard existing.manifest == manifestDigest else { throw taken(label, store) }
            return (existing, label, .alreadyPresent)
        }
        if try await !store.hasObject(sha) { try await store.putObject(from: bundle, digest: sha, size: size) }
        var outcome = PushOutcome.added
        var recorded = entry
        try await store.updateIndex { (index: inout StoreIndex) throws(BundleError) in
            if let existing = index.bundles[manifest.name]?[manifest.version] {
                guard existing.manifest == manifestDigest else { throw taken(label, store) }
                outcome = .alreadyPresent
                recorded = existing
                return
            }
            index.bundles[manifest.name, default: [:]][manifest.version] = entry
        }
        return (recorded, label, outcome)
    }

    static func taken(_ label: String, _ store: BundleStore) -> BundleError {
        .store("\(label) is already in \(store.location) with different content; versions are immutable: bump the version (proj bundle --bump patch)")
    }

    /// Fetches NAME[@VERSION] (the newest when no version is given), checks its digest and verifies
    /// it completely before it lands in `directory`. Returns the path and the entry.
    public static func pull(_ reference: String, from store: BundleStore, into directory: String,
                            options: VerifyOptions) async throws(BundleError) -> (path: String, entry: StoreIndex.Entry, version: String, report: VerifyReport) {
        let parts = reference.split(separator: "@", maxSplits: 1).map(String.init)
        let name = parts[0]
        let index = try await store.readIndex()
        guard let versions = index.bundles[name] else {
            throw .store("no bundle named '\(name)' in \(store.location)\(Suggestion.hint(for: name, in: index.bundles.keys.sorted()))")
        }
        let version: String
        if parts.count == 2 {
            guard versions[parts[1]] != nil else {
                throw .store("\(name) has no version \(parts[1]) in \(store.location) (it has \(index.versions(of: name).joined(separator: ", ")))")
            }
            version = parts[1]
        } else {
            guard let newest = index.versions(of: name).last else { throw .store("\(name) has no versions in \(store.location)") }
            version = newest
        }
        guard let entry = versions[version] else { throw .store("\(name)@\(version) is not in \(store.location)") }
        if Paths.problem(entry.file) != nil || entry.file.utf8.contains(UInt8(ascii: "/")) || entry.file.utf8.first == UInt8(ascii: ".") {
            throw .store("store index names an unsafe file '\(Paths.printable(entry.file))'")
        }
        do { try FileSystem.makeDirectories(directory) } catch { throw .file(error) }
        let target = directory + "/" + entry.file
        TemporaryPath.removeAbandoned(beside: target)
        let temp = TemporaryPath.beside(target)
        defer { unlink(temp) }
        // The download is hashed as it comes and lands only with the index's digest.
        try await store.getObject(entry.sha256, to: temp)
        let sha = entry.sha256
        let report = Verifier.verify(temp, options: options)
        if let failure = report.failure { throw failure }
        guard report.manifest?.name == name, report.manifest?.version == version else {
            throw .store("\(name)@\(version) in \(store.location) holds \(report.manifest?.name ?? "?") \(report.manifest?.version ?? "?"): the index is wrong")
        }
        if FileSystem.stat(target) != nil {
            let existing = try? FileSystem.sha256(path: target, buffer: HashBuffer())
            guard existing?.hex == sha else { throw .usage("\(target) exists with different content; move it away or pull with -o DIR") }
        }
        guard rename(temp, target) == 0 else { throw .file(.unwritable(path: target, reason: FileSystem.errorText())) }
        return (target, entry, version, report)
    }
}
