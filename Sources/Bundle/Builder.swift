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
        var files = contents.files
        let modelEntry = contents.modelEntry
        var manifest = Manifest(format: Manifest.format, name: project.name, version: project.version, flavor: spec.flavor,
                                entry: modelEntry, schema: contents.schema.value, metrics: contents.metrics, params: contents.params,
                                provenance: .map(provenance), files: [:])
        let card = ModelCard.render(manifest: manifest, spec: spec, files: files)
        files.append(BundleFile(name: ModelCard.entryName, source: .bytes(Array(card.utf8)), sha256: Hex.sha256(Array(card.utf8)),
                                size: Int64(card.utf8.count), executable: false))
        files.sort { Manifest.byteOrder($0.name, $1.name) }
        for f in files { manifest.files[f.name] = Manifest.File(sha256: f.sha256, size: f.size, executable: f.executable) }
        let document = manifest.document
        let manifestDigest = try Manifest.checksum(document)

        var signature: Signature?
        if let keyName = options.sign {
            let (privateKey, publicKey) = try options.keys.signingKey(name: keyName)
            signature = try Signature.sign(document, with: privateKey, key: publicKey)
        }

        let directory = workspace.root + "/bundles"
        let fileName = "\(project.name)-\(project.version).tar" + (options.zstd ? ".zst" : "")
        let target = directory + "/" + fileName
        var index = LocalIndex(directory: directory)
        if let recorded = index.records[project.name]?[project.version], recorded.manifest != manifestDigest {
            throw .versionExists(name: project.name, version: project.version, path: "bundles/" + LocalIndex.file)
        }
        if FileSystem.stat(target) != nil, let existing = try? BundleReader.manifest(at: target) {
            let digest = try? Manifest.checksum(existing.bytes)
            if digest != manifestDigest { throw .versionExists(name: project.name, version: project.version, path: "bundles/" + fileName) }
            if signature == nil || existing.signed {
                let (sha, size) = try hash(target)
                return BuildResult(path: target, manifest: manifest, manifestDigest: manifestDigest, sha256: sha, size: size,
                                   unchanged: true, signedBy: nil, bumpedFrom: bumpedFrom)
            }
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
        var record = index.records[project.name]?[project.version] ?? LocalIndex.Record(manifest: manifestDigest, archives: [:])
        record.archives[fileName] = sha
        index.records[project.name, default: [:]][project.version] = record
        try index.save()
        return BuildResult(path: target, manifest: manifest, manifestDigest: manifestDigest, sha256: sha, size: size,
                           unchanged: false, signedBy: signature?.key, bumpedFrom: bumpedFrom)
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
