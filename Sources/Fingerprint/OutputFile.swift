import Glibc

/// A file a command writes for the user in pieces (predictions, an exported DAG): into a temporary file
/// beside `path`, renamed onto it by `commit`, so an interrupted or failed run leaves the old file whole and
/// no half-written one. When `path` already is something other than a file or directory (`/dev/null`,
/// `/dev/stdout`, a named pipe, a socket), it is opened and written in place: a rename would replace the
/// device node or the link to it with a regular file. A symbolic link to a file is followed: the file it
/// names is the one replaced, and the link stays.
public final class OutputFile {
    public let path: String
    /// The temporary file, and the file it is renamed onto at the end (`path`, or the file a link there leads
    /// to, resolved once); nil when writing in place.
    private let replacing: (temp: String, target: String)?
    private var fd: Int32

    /// Opens `path` for writing; its directory must exist. An error names `path`, the file the user gave.
    /// Temporary files that an earlier run killed before its end left beside the target are removed first.
    public init(_ path: String, mode: Int = 0o644) throws(FingerprintError) {
        self.path = path
        let kind = FileSystem.stat(path)?.kind
        // Refused before anything is written: the rename at the end could not replace a directory.
        guard kind != .directory else { throw .unwritable(path: path, reason: "it is a directory") }
        if kind == .other {
            fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .unwritable(path: path, reason: FileSystem.errorText()) }
            replacing = nil
        } else {
            let target = OutputFile.followingLinks(path)
            TemporaryPath.removeAbandoned(beside: target)
            let temp = TemporaryPath.beside(target)
            fd = try AtomicFile.createTemporary(temp, for: path, mode: mode)
            replacing = (temp, target)
        }
    }

    /// The file a symbolic link at `path` leads to (itself when it is none, or leads nowhere).
    private static func followingLinks(_ path: String) -> String {
        guard FileSystem.isSymlink(path), let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Appends `bytes`.
    public func write(_ bytes: ArraySlice<UInt8>) throws(FingerprintError) {
        guard FileSystem.writeAll(fd, bytes) else { throw .unwritable(path: path, reason: FileSystem.errorText()) }
    }

    /// Finishes the file: with `durable`, fsync; then the rename onto `path` (and, with `durable`, a sync of
    /// its directory). Writing in place there is nothing to rename.
    public func commit(durable: Bool = true) throws(FingerprintError) {
        guard let (temp, target) = replacing else {
            close(fd)
            fd = -1
            return
        }
        // A device or pipe cannot be fsynced; a file that cannot be is not known to be written.
        let synced = !durable || fsync(fd) == 0
        let reason = synced ? "" : FileSystem.errorText()
        close(fd)
        fd = -1
        guard synced else {
            unlink(temp)
            throw .unwritable(path: path, reason: reason)
        }
        try AtomicFile.install(temp, at: target, durable: durable)
    }

    /// A file not committed is closed and its temporary file removed.
    deinit {
        guard fd >= 0 else { return }
        close(fd)
        if let (temp, _) = replacing { unlink(temp) }
    }
}
