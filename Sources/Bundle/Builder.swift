import Fingerprint
import Foundation
import ProjectModel
import Runner
import YAML

/// How `proj bundle` builds.
public struct BuildOptions: Sendable {
    public var zstd = false
    /// Name of the signing key under `<config>/keys/`.
    public var sign: String?
    public var allowStale = false
    public var bump: SemVer.Part?
    public var keys = KeyStore()
    public var loaders = ModelLoaders()
    /// Fixed mtime of every entry: SOURCE_DATE_EPOCH when set, else 0.
    public var mtime: Int64 = Int64(ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] ?? "") ?? 0

    public init() {}
}

/// What `proj bundle` made.
public struct BuildResult: Sendable {
    public var path: String
    public var manifest: Manifest
    public var manifestDigest: String
    public var sha256: String
    public var size: Int64
    /// The same content was already built as this version (nothing was written).
    public var unchanged: Bool
    public var signedBy: PublicKey?
    /// The version before `--bump`, when bumped.
    public var bumpedFrom: String?
    /// The released version whose content this differs from, when this is an experiment's pre-release.
    public var experimentOf: String?
}

/// One entry of a bundle being built.
struct BundleFile {
    enum Source { case file(String), bytes([UInt8]) }
    var name: String
    var source: Source
    var sha256: String
    var size: Int64
    var executable: Bool
}

/// `proj bundle`: packs the model, schema, metrics, selftest, model card and provenance of a
/// fresh pipeline into `bundles/<name>-<version>.tar[.zst]`, byte for byte reproducibly.
public enum Builder {
    public static func build(root: String, options: BuildOptions) throws(BundleError) -> BuildResult {
        var workspace: Workspace
        do { workspace = try Workspace(root: root) } catch { throw .runner(error) }
        let projectFile = workspace.root + "/" + ProjectLoader.projectFile
        var bumpedFrom: String?
        if let part = options.bump {
            bumpedFrom = workspace.project.version
            workspace = try bump(workspace, projectFile: projectFile, part: part)
        }
        let source = (try? String(contentsOfFile: projectFile, encoding: .utf8)) ?? ""
        var spec: BundleSpec
        do { spec = try BundleSpec.parse(workspace.project.bundle, source: source) } catch { throw .config(error) }
        spec = try spec.resolvingFlavor(root: workspace.root)
        let project = workspace.project

        let stale: [String]
        let relevant = BundleContents.relevantStages(workspace, spec: spec).map { project.stages[$0].name }
        do {
            stale = relevant.isEmpty ? [] : try Status.evaluate(workspace, targets: relevant).filter { $0.status != .fresh }.map(\.name)
        } catch { throw .runner(error) }
        if !stale.isEmpty && !options.allowStale { throw .stale(stale) }

        let contents = try BundleContents.collect(workspace, spec: spec, loaders: options.loaders)
        var provenance: [Value.Entry] = [.init("tool", .string("proj " + ToolVersion.current)), .init("stages", contents.locks)]
        if !stale.isEmpty { provenance.append(.init("stale", .list(stale.map(Value.string)))) }
        let base = Manifest(format: Manifest.format, name: project.name, version: project.version, flavor: spec.flavor,
                            entry: contents.modelEntry, schema: contents.schema.value, metrics: contents.metrics, params: contents.params,
                            provenance: .map(provenance), files: [:])
        var sealed = try seal(base, spec: spec, files: contents.files)

        let directory = workspace.root + "/bundles"
        var index = LocalIndex(directory: directory)
        // A version already released with other content stays as it is: this content becomes an experiment,
        // a pre-release named after it. Only a bump makes a new plain version.
        var experimentOf: String?
        if let taken = try taken(project.name, project.version, by: sealed.digest, index: index, directory: directory, zstd: options.zstd) {
            guard options.bump == nil else { throw .versionExists(name: project.name, version: project.version, path: taken) }
            var manifest = base
            manifest.version = SemVer.experiment(of: project.version, content: sealed.digest)
            sealed = try seal(manifest, spec: spec, files: contents.files)
            if let taken = try self.taken(project.name, manifest.version, by: sealed.digest, index: index, directory: directory, zstd: options.zstd) {
                throw .versionExists(name: project.name, version: manifest.version, path: taken)
            }
            experimentOf = project.version
        }
        let manifest = sealed.manifest, document = sealed.document, manifestDigest = sealed.digest, files = sealed.files

        var signature: Signature?
        if let keyName = options.sign {
            let (privateKey, publicKey) = try options.keys.signingKey(name: keyName)
            signature = try Signature.sign(document, with: privateKey, key: publicKey)
        }

        let fileName = "\(project.name)-\(manifest.version).tar" + (options.zstd ? ".zst" : "")
        let target = directory + "/" + fileName
        if FileSystem.stat(target) != nil, signature == nil || (try? BundleReader.manifest(at: target))?.signed == true {
            let (sha, size) = try hash(target)
            return BuildResult(path: target, manifest: manifest, manifestDigest: manifestDigest, sha256: sha, size: size,
                               unchanged: true, signedBy: nil, bumpedFrom: bumpedFrom, experimentOf: experimentOf)
        }

        do { try FileSystem.makeDirectories(directory) } catch { throw .file(error) }
        let temp = TemporaryPath.beside(target)
        do {
            try write(temp, document: document, signature: signature, files: files, zstd: options.zstd, mtime: options.mtime)
        } catch {
            unlink(temp)
            throw error
        }
        FileSystem.sync(path: temp)
        let (sha, size) = try hash(temp)
        guard rename(temp, target) == 0 else {
            let reason = FileSystem.errorText()
            unlink(temp)
            throw .file(.unwritable(path: target, reason: reason))
        }
        FileSystem.sync(path: directory)
        var record = index.records[project.name]?[manifest.version] ?? LocalIndex.Record(manifest: manifestDigest, archives: [:])
        record.archives[fileName] = sha
        index.records[project.name, default: [:]][manifest.version] = record
        try index.save()
        return BuildResult(path: target, manifest: manifest, manifestDigest: manifestDigest, sha256: sha, size: size,
                           unchanged: false, signedBy: signature?.key, bumpedFrom: bumpedFrom, experimentOf: experimentOf)
    }

    /// The manifest with its model card and file list, its canonical document and that document's checksum.
    static func seal(_ manifest: Manifest, spec: BundleSpec, files: [BundleFile]) throws(BundleError)
        -> (manifest: Manifest, document: [UInt8], digest: String, files: [BundleFile]) {
        var manifest = manifest, files = files
        let card = ModelCard.render(manifest: manifest, spec: spec, files: files)
        files.append(BundleFile(name: ModelCard.entryName, source: .bytes(Array(card.utf8)), sha256: Hex.sha256(Array(card.utf8)),
                                size: Int64(card.utf8.count), executable: false))
        files.sort { Manifest.byteOrder($0.name, $1.name) }
        for f in files { manifest.files[f.name] = Manifest.File(sha256: f.sha256, size: f.size, executable: f.executable) }
        let document = manifest.document
        return (manifest, document, try Manifest.checksum(document), files)
    }

    /// Where `name` `version` is already recorded (the index, or the archive itself when the index lost it)
    /// with content other than `digest`; nil when the version is free or holds this content.
    static func taken(_ name: String, _ version: String, by digest: String, index: LocalIndex, directory: String,
                      zstd: Bool) throws(BundleError) -> String? {
        if let recorded = index.records[name]?[version], recorded.manifest != digest { return "bundles/" + LocalIndex.file }
        let fileName = "\(name)-\(version).tar" + (zstd ? ".zst" : "")
        guard FileSystem.stat(directory + "/" + fileName) != nil else { return nil }
        let existing = try? BundleReader.manifest(at: directory + "/" + fileName)
        return existing.flatMap { try? Manifest.checksum($0.bytes) } == digest ? nil : "bundles/" + fileName
    }

    static func write(_ path: String, document: [UInt8], signature: Signature?, files: [BundleFile], zstd: Bool, mtime: Int64) throws(BundleError) {
        let writer = try TarWriter(path: path, zstd: zstd, mtime: mtime)
        try writer.add(name: Manifest.entryName, bytes: document)
        if let signature { try writer.add(name: Manifest.signatureName, bytes: Array(signature.text.utf8)) }
        for f in files {
            switch f.source {
            case .bytes(let bytes): try writer.add(name: f.name, bytes: bytes, executable: f.executable)
            case .file(let source): try writer.add(name: f.name, file: source, size: f.size, executable: f.executable)
            }
        }
        try writer.close()
    }

    static func hash(_ path: String) throws(BundleError) -> (String, Int64) {
        do { return try FileSystem.sha256(path: path, buffer: HashBuffer()) } catch { throw .file(error) }
    }

    static func bump(_ workspace: Workspace, projectFile: String, part: SemVer.Part) throws(BundleError) -> Workspace {
        let current = workspace.project.version
        guard let version = SemVer(current) else {
            throw .usage("project.yaml's version '\(current)' is not MAJOR.MINOR.PATCH, so it cannot be bumped; edit it by hand")
        }
        guard let text = try? String(contentsOfFile: projectFile, encoding: .utf8),
              let updated = SemVer.rewrite(text, to: version.bumped(part).description) else {
            throw .usage("project.yaml has no top-level `version:` line to bump; add `version: \(current)`")
        }
        do { try AtomicFile.write(updated, to: projectFile) } catch { throw .file(error) }
        do { return try Workspace(root: workspace.root) } catch { throw .runner(error) }
    }
}
