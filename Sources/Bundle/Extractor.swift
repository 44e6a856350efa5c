import Fingerprint
import Foundation
import ProjectModel

/// `proj extract`: verifies and unpacks in one pass into a hidden staging directory beside the
/// target, then renames it into place. A bundle that fails any check leaves nothing behind.
public enum Extractor {
    /// Extracts `bundle` into `target`, which must not exist or be an empty directory.
    public static func extract(_ bundle: String, to target: String, options: VerifyOptions) -> VerifyReport {
        let target = URL(fileURLWithPath: target).standardizedFileURL.path
        var report = VerifyReport(path: bundle, checks: [])
        if FileSystem.isSymlink(target) {
            report.failure = .usage("\(target) is a symbolic link; extract into a new directory")
            return report
        }
        if let st = FileSystem.stat(target) {
            let empty = st.kind == .directory && ((try? FileManager.default.contentsOfDirectory(atPath: target))?.isEmpty ?? false)
            guard empty else {
                report.failure = .usage("\(target) already exists and is not an empty directory; extract into a new one")
                return report
            }
        }
        let parent = URL(fileURLWithPath: target).deletingLastPathComponent().path
        let staging: String
        do {
            try FileSystem.makeDirectories(parent)
            TemporaryPath.removeAbandoned(beside: target)
            staging = try FileSystem.makeTemporaryDirectory(beside: target)
        } catch {
            report.failure = .file(error)
            return report
        }
        if let head = try? BundleReader.manifest(at: bundle),
           let free = (try? FileManager.default.attributesOfFileSystem(forPath: parent))?[.systemFreeSize] as? Int64,
           head.manifest.totalSize > free {
            FileSystem.removeTree(staging)
            report.failure = .usage("the bundle holds \(head.manifest.totalSize) bytes but \(parent) has only \(free) bytes free")
            return report
        }
        let sink = StagingSink(root: staging)
        report = Verifier.verify(bundle, options: options, sink: sink)
        sink.closeCurrent()
        if report.ok {
            chmod(staging, 0o755)
            if FileSystem.stat(target) != nil { rmdir(target) }
            if rename(staging, target) != 0 {
                report.failure = .file(.unwritable(path: target, reason: FileSystem.errorText()))
            } else {
                FileSystem.sync(path: parent)
            }
        }
        if !report.ok { FileSystem.removeTree(staging) }
        return report
    }
}

/// Writes entries under a fresh directory: names are already checked safe, files are created
/// exclusively and never through a symlink, parents are created as real directories.
final class StagingSink: EntrySink {
    let root: String
    private var fd: Int32 = -1
    private var current = ""

    init(root: String) {
        self.root = root
    }

    func begin(_ name: String, executable: Bool) throws(BundleError) {
        if let problem = Paths.problem(name) { throw .invalid(entry: name, reason: "unsafe entry name: \(problem)") }
        var dir = root
        for part in Paths.components(name).dropLast() {
            dir += "/" + part
            if mkdir(dir, 0o755) != 0 && errno != EEXIST {
                throw .file(.unwritable(path: dir, reason: FileSystem.errorText()))
            }
            guard FileSystem.lstatIsDirectory(dir) else { throw .invalid(entry: name, reason: "a parent of this entry is a file in the bundle") }
        }
        current = name
        fd = open(root + "/" + name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, executable ? 0o755 : 0o644)
        guard fd >= 0 else { throw .file(.unwritable(path: root + "/" + name, reason: FileSystem.errorText())) }
    }

    func write(_ chunk: ArraySlice<UInt8>) throws(BundleError) {
        guard FileSystem.writeAll(fd, chunk) else {
            throw .file(.unwritable(path: root + "/" + current, reason: FileSystem.errorText()))
        }
    }

    func end() throws(BundleError) {
        guard fd >= 0 else { return }
        let failed = fsync(fd) != 0
        close(fd)
        fd = -1
        if failed { throw .file(.unwritable(path: root + "/" + current, reason: FileSystem.errorText())) }
    }

    func closeCurrent() {
        if fd >= 0 { close(fd); fd = -1 }
    }
}
